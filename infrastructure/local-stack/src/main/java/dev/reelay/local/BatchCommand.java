package dev.reelay.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code ./reelay batch FILE.jsonl}: every line of a JSON Lines file is one {@code POST /v1/videos/generations}
 * body; they go as one batch ({@code POST /v1/batches}), which is followed on one progress line until it has
 * ended; then every completed task's video is downloaded to {@code DIR/TASK_ID.mp4} and
 * {@code DIR/STEM.results.jsonl} tells, request by request in the file's order, what became of it.
 * <p>
 * The batch is created with an {@code Idempotency-Key} made from the SHA-256 of the batch's body, so running
 * the same file again (after a lost connection, a Ctrl-C, a failed download) follows the batch made the first
 * time instead of making a second one; {@code --new} sends no key.
 */
final class BatchCommand {
    /** How often a batch is looked at: the local stack's workflow looks at its tasks every second. */
    static final Duration LOCAL_POLL = Duration.ofSeconds(1);
    static final Duration REMOTE_POLL = Duration.ofSeconds(2);
    /** The prefix of the Idempotency-Key the command sends, followed by the body's SHA-256 in hex. */
    static final String IDEMPOTENCY_PREFIX = "reelay-batch-";
    /** What a line's request is not turned into a file: a value with a URL scheme ({@code https:}, {@code file:}, {@code upload:}, ...). */
    private static final Pattern URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*", Pattern.DOTALL);
    private static final int PAGE = 100;
    /** Numbers read and written as they are in the file and the API's answers (no 5.0 turned into 5 or 5.0E0). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    /** One request of the file: its line (from 1) and its body. */
    record Request(int line, ObjectNode body) {
    }

    private BatchCommand() {
    }

    /**
     * The file's requests, blank lines skipped; a line that is not a JSON object is bad usage, told with its
     * line number (every such line is told), before anything is sent.
     */
    static List<Request> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Launcher.UsageException(file + " is not a file");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Launcher.UsageException(file + " could not be read as UTF-8 text: " + e.getMessage());
        }
        List<Request> requests = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            // A byte order mark, which some editors write first, is not part of the JSON.
            String line = i == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode value = JSON.readTree(line);
                if (value instanceof ObjectNode body) {
                    requests.add(new Request(i + 1, body));
                } else {
                    broken.add("line " + (i + 1) + ": a JSON " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                            + ", not an object");
                }
            } catch (JsonProcessingException e) {
                broken.add("line " + (i + 1) + ": not JSON (" + e.getOriginalMessage() + ")");
            }
        }
        if (!broken.isEmpty()) {
            int shown = Math.min(broken.size(), 10);
            throw new Launcher.UsageException(file + ": " + broken.size() + " line" + (broken.size() == 1 ? " is" : "s are")
                    + " not a generation request (one JSON object a line); nothing was sent:\n  "
                    + String.join("\n  ", broken.subList(0, shown)) + (shown < broken.size() ? "\n  ..." : ""));
        }
        if (requests.isEmpty()) {
            throw new Launcher.UsageException(file + " has no requests: one JSON object a line is one generation request");
        }
        return requests;
    }

    /**
     * For the local stack: an {@code image_start} or {@code image_end} that is a file path, not a URL, becomes
     * its {@code file:} URL, a relative path taken from {@code folder} (the file's). Others stay as they are.
     */
    static void resolveLocalImages(List<Request> requests, Path folder) {
        for (Request request : requests) {
            for (String field : List.of("image_start", "image_end")) {
                JsonNode value = request.body().get(field);
                if (value != null && value.isTextual() && !value.asText().isBlank() && !URL.matcher(value.asText()).matches()) {
                    request.body().put(field, folder.resolve(value.asText()).toAbsolutePath().normalize().toUri().toString());
                }
            }
        }
    }

    /** The body of {@code POST /v1/batches}: {@code {"requests": [...], "callback_url"?}}. */
    static String body(List<Request> requests, String callbackUrl) throws JsonProcessingException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("requests");
        requests.forEach(request -> list.add(request.body()));
        if (callbackUrl != null) {
            body.put("callback_url", callbackUrl);
        }
        return JSON.writeValueAsString(body);
    }

    /** {@code reelay-batch-} and the SHA-256 of the body, in hex: the same requests make the same key. */
    static String idempotencyKey(String body) {
        try {
            return IDEMPOTENCY_PREFIX + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /**
     * Creates the batch, follows it on {@code display} until it is completed or cancelled, downloads the
     * completed videos into {@code out}, writes {@code out/STEM.results.jsonl}, and prints the final batch
     * with {@code results} on stdout.
     *
     * @param idempotent whether to send the body's {@code Idempotency-Key}
     */
    static int run(Launcher launcher, RemoteApi api, List<Request> requests, String body, boolean idempotent, Path out, String stem,
                   ProgressDisplay display, Duration poll) throws Exception {
        long began = System.nanoTime();
        Instant sent = Instant.now();
        RemoteApi.Answer created = api.post("/v1/batches", body, idempotent ? Map.of("Idempotency-Key", idempotencyKey(body)) : Map.of());
        if (!created.ok()) {
            return Cli.answerNotOk(launcher, "POST /v1/batches", created);
        }
        JsonNode accepted = JSON.readTree(created.body());
        String id = accepted.path("id").asText();
        if (id.isEmpty()) {
            throw new IllegalStateException("POST /v1/batches answered a batch without an id: " + created.body());
        }
        String path = "/v1/batches/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        RemoteApi.Answer ended;
        try (display) {
            // A batch just made is validating; one an earlier run made has gone on, or is older than a clock's skew.
            boolean earlier = !accepted.path("status").asText().equals("validating")
                    || accepted.path("created").asLong(sent.getEpochSecond()) < sent.getEpochSecond() - 60;
            display.say(id, "Batch " + id + (earlier ? " (made by an earlier run of the same requests; --new makes another)" : " accepted")
                    + ": " + requests.size() + " request" + (requests.size() == 1 ? "" : "s") + "; following it ...");
            ended = follow(api, path, id, display, poll, began);
        }
        if (!ended.ok()) {
            return Cli.answerNotOk(launcher, "GET " + path, ended);
        }
        JsonNode batch = JSON.readTree(ended.body());
        List<JsonNode> tasks;
        try {
            tasks = tasks(api, path, id);
        } catch (PageRefused refused) {
            return Cli.answerNotOk(launcher, "GET " + path + "/tasks", refused.answer);
        }
        List<ObjectNode> results = results(api, batch, requests, tasks, out);
        Path resultsFile = out.resolve(stem + ".results.jsonl");
        Files.createDirectories(out);
        StringBuilder lines = new StringBuilder();
        for (ObjectNode result : results) {
            lines.append(JSON.writeValueAsString(result)).append('\n');
        }
        Files.writeString(resultsFile, lines.toString(), StandardCharsets.UTF_8);

        JsonNode counts = batch.path("request_counts");
        int total = counts.path("total").asInt();
        int completed = counts.path("completed").asInt();
        display.say(id, "Batch " + id + " " + batch.path("status").asText() + " in " + ProgressDisplay.seconds(Launcher.since(began)) + ": "
                + completed + " of " + total + " completed" + others(counts) + ", " + batch.path("cost_usd").asText("0") + " USD. "
                + (completed > 0 ? "Videos in " + out + "; results: " : "No videos; results: ") + resultsFile);
        launcher.stdout.println(Launcher.withPath(JSON.writeValueAsString(batch), "results", resultsFile));
        return completed == total && total == requests.size() ? Launcher.DONE : Launcher.TASK_FAILED;
    }

    private static String others(JsonNode counts) {
        StringBuilder text = new StringBuilder();
        for (String count : List.of("failed", "refused", "cancelled")) {
            if (counts.path(count).asInt() > 0) {
                text.append(", ").append(counts.path(count).asInt()).append(' ').append(count);
            }
        }
        return text.toString();
    }

    /** Polls the batch every {@code poll} until it is completed or cancelled; answers that last answer, or the API's refusal. */
    private static RemoteApi.Answer follow(RemoteApi api, String path, String id, ProgressDisplay display, Duration poll, long began)
            throws IOException, InterruptedException {
        long nextPoll = System.nanoTime();
        String shown = null;
        while (true) {
            if (System.nanoTime() - nextPoll >= 0) {
                RemoteApi.Answer answer = api.get(path);
                if (!answer.ok()) {
                    return answer;
                }
                JsonNode batch = JSON.readTree(answer.body());
                nextPoll = System.nanoTime() + poll.toNanos();
                String status = batch.path("status").asText();
                if (status.equals("completed") || status.equals("cancelled")) {
                    return answer;
                }
                shown = id + " " + display.describeBatch(batch);
            }
            if (shown != null) {
                display.showText(id, shown, Launcher.since(began));
            }
            Thread.sleep(Math.min(display.refresh().toMillis(), poll.toMillis()));
        }
    }

    /** The API did not answer a page of the batch's tasks with 2xx: its answer is what the command reports. */
    private static final class PageRefused extends Exception {
        final transient RemoteApi.Answer answer;

        PageRefused(RemoteApi.Answer answer) {
            super("answered HTTP " + answer.status());
            this.answer = answer;
        }
    }

    /** Every task of the batch, page by page, in its requests' order. */
    private static List<JsonNode> tasks(RemoteApi api, String path, String id) throws IOException, PageRefused {
        List<JsonNode> tasks = new ArrayList<>();
        String cursor = null;
        do {
            RemoteApi.Answer page = api.get(path + "/tasks", RemoteApi.query("limit", Integer.toString(PAGE), "cursor", cursor));
            if (!page.ok()) {
                throw new PageRefused(page);
            }
            JsonNode list = JSON.readTree(page.body());
            for (JsonNode task : list.path("data")) {
                if (!id.equals(task.path("task_info").path("batch_id").asText())) {
                    throw new IllegalStateException("GET " + path + "/tasks answered task " + task.path("id").asText()
                            + " of batch " + task.path("task_info").path("batch_id").asText());
                }
                tasks.add(task);
            }
            cursor = list.path("has_more").asBoolean() ? list.path("next_cursor").asText(null) : null;
        } while (cursor != null);
        return tasks;
    }

    /**
     * One result per request, in order. The tasks are listed in their requests' order and a refused request
     * has none (its error is in the batch's {@code errors}); the batch makes its tasks in order, so the
     * requests a cancel reached before their task was made are the last ones, which have no task either.
     */
    private static List<ObjectNode> results(RemoteApi api, JsonNode batch, List<Request> requests, List<JsonNode> tasks, Path out)
            throws IOException {
        int total = batch.path("request_counts").path("total").asInt();
        if (total != requests.size()) {
            throw new IllegalStateException("batch " + batch.path("id").asText() + " has " + total + " requests, the file "
                    + requests.size());
        }
        Map<Integer, JsonNode> refused = new HashMap<>();
        batch.path("errors").forEach(error -> refused.put(error.path("index").asInt(), error.path("error")));
        List<ObjectNode> results = new ArrayList<>();
        int next = 0;
        for (int index = 0; index < total; index++) {
            ObjectNode result = JSON.createObjectNode();
            result.put("index", index);
            result.put("line", requests.get(index).line());
            if (refused.containsKey(index)) {
                result.putNull("task_id").put("status", "refused").putNull("file").put("cost_usd", BigDecimal.ZERO)
                        .set("error", refused.get(index));
            } else if (next < tasks.size()) {
                JsonNode task = tasks.get(next++);
                String status = task.path("status").asText();
                result.put("task_id", task.path("id").asText()).put("status", status);
                if (status.equals("completed")) {
                    result.put("file", Launcher.downloadVideo(api, task, out).toString());
                } else {
                    result.putNull("file");
                }
                result.set("cost_usd", task.path("usage").path("cost_usd").isMissingNode()
                        ? JSON.getNodeFactory().numberNode(BigDecimal.ZERO) : task.path("usage").path("cost_usd"));
                result.set("error", task.path("error").isMissingNode() ? JSON.getNodeFactory().nullNode() : task.path("error"));
            } else if (batch.path("status").asText().equals("cancelled")) {
                result.putNull("task_id").put("status", "cancelled").putNull("file").put("cost_usd", BigDecimal.ZERO).putNull("error");
            } else {
                throw new IllegalStateException("batch " + batch.path("id").asText() + " is " + batch.path("status").asText()
                        + " but request " + index + " has neither a task nor an error");
            }
            results.add(result);
        }
        if (next != tasks.size()) {
            throw new IllegalStateException("batch " + batch.path("id").asText() + " lists " + tasks.size() + " tasks for "
                    + next + " requests that are not refused");
        }
        return results;
    }
}
