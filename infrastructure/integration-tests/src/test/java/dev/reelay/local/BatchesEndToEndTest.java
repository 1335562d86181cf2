package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.domain.webhook.StandardWebhooksVerifier;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batches end to end on the local stack (docs/batches.md): a batch of 50 with 3 invalid requests,
 * a manifest put with the AWS CLI, a cancel, an idempotent creation, and another key's batch.
 * Vendors take two jobs at a time each, so a batch's tasks queue as they would at real vendors.
 */
@EndToEnd
class BatchesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofMinutes(4);

    record Delivery(Map<String, String> headers, byte[] body) {
    }

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static ApiTestClient client;
    private static HttpServer receiver;
    private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests()
                .withMaxConcurrency(Map.of("kling", 2, "unified", 2, "apimart", 2, "gateway", 2)));
        client = ApiTestClient.of(runtime);
        image = ApiTestClient.frameImage(dir);
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/batch-hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            deliveries.add(new Delivery(Map.of(
                    "webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature")), body));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    private static Map<String, Object> request(String prompt) {
        return new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", prompt, "image_start", image, "duration", 3));
    }

    @Test
    void aBatchOfFiftyWithThreeInvalidRequestsCompletesTheOthersAndSendsOneSignedWebhook() throws Exception {
        deliveries.clear();
        List<Object> requests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            requests.add(request("wave " + i));
        }
        ((Map<String, Object>) requests.get(5)).put("model", "kling-v2");
        ((Map<String, Object>) requests.get(17)).put("duration", 99);
        ((Map<String, Object>) requests.get(42)).put("image_start", "ftp://example.com/cat.png");
        String callbackUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/batch-hooks";

        HttpResponse<String> created = client.post("/v1/batches",
                Map.of("requests", requests, "callback_url", callbackUrl, "metadata", Map.of("campaign", "waves")), Map.of());

        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode accepted = JSON.readTree(created.body());
        String batchId = accepted.path("id").asText();
        assertThat(batchId).startsWith("batch-");
        assertThat(accepted.path("object").asText()).isEqualTo("batch");
        assertThat(accepted.path("status").asText()).isEqualTo("validating");
        assertThat(accepted.path("request_counts").path("total").asInt()).isEqualTo(50);

        JsonNode batch = awaitBatch(batchId, b -> b.path("status").asText().equals("completed"));
        JsonNode counts = batch.path("request_counts");
        assertThat(counts.path("completed").asInt()).as(batch.toString()).isEqualTo(47);
        assertThat(counts.path("refused").asInt()).isEqualTo(3);
        assertThat(counts.path("pending").asInt() + counts.path("processing").asInt() + counts.path("failed").asInt()
                + counts.path("cancelled").asInt()).isZero();
        assertThat(batch.path("completed_at").asLong()).isPositive();
        assertThat(batch.path("metadata").path("campaign").asText()).isEqualTo("waves");
        List<Integer> refusedIndexes = new ArrayList<>();
        Map<Integer, String> codes = new HashMap<>();
        batch.path("errors").forEach(error -> {
            refusedIndexes.add(error.path("index").asInt());
            codes.put(error.path("index").asInt(), error.path("error").path("code").asText());
        });
        assertThat(refusedIndexes).containsExactly(5, 17, 42);
        assertThat(codes).containsEntry(5, "unsupported_model").containsEntry(42, "invalid_image_url");
        assertThat(codes.get(17)).isNotBlank();

        List<JsonNode> tasks = allTasks(batchId);
        assertThat(tasks).hasSize(47);
        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.path("task_info").path("batch_id").asText()).isEqualTo(batchId);
            assertThat(task.path("status").asText()).isEqualTo("completed");
        });
        BigDecimal sum = tasks.stream().map(task -> task.path("usage").path("cost_usd").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(batch.path("cost_usd").decimalValue()).isEqualByComparingTo(sum).isPositive();

        // The one webhook goes out after the batch has ended: wait for it, then make sure no second one follows.
        Instant giveUp = Instant.now().plusSeconds(30);
        while (deliveries.isEmpty() && Instant.now().isBefore(giveUp)) {
            Thread.sleep(100);
        }
        Thread.sleep(2500);
        assertThat(deliveries).hasSize(1);
        Delivery delivered = deliveries.get(0);
        assertThat(verify(runtime.webhookSecret().secret(), delivered)).as("signature").isTrue();
        JsonNode body = JSON.readTree(delivered.body());
        assertThat(body.path("id").asText()).isEqualTo(batchId);
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("request_counts").path("completed").asInt()).isEqualTo(47);
        assertThat(body.path("cost_usd").decimalValue()).isEqualByComparingTo(sum);
        assertThat(delivered.headers().get("webhook-id")).isEqualTo("msg_" + batchId);
    }

    @Test
    void aManifestPutWithTheAwsCliBecomesABatchAndItsResultsFile() throws Exception {
        String folder = "batches/default/march/";
        runtime.s3().client().putObject(put -> put.bucket(LocalRuntime.UPLOADS_BUCKET).key(folder + "frame.png"),
                Path.of(java.net.URI.create(image)));
        StringBuilder manifest = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            if (i == 3) {
                manifest.append("{\"model\": \"kling-v3-image-to-video\", \"prompt\": broken\n");
            } else if (i == 6) {
                manifest.append(JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "too long",
                        "image_start", "frame.png", "duration", 99))).append('\n');
            } else {
                manifest.append(JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "line " + i,
                        "image_start", "frame.png", "duration", 3))).append('\n');
            }
        }
        Path file = dir.resolve("march.jsonl");
        Files.writeString(file, manifest);

        awsCli("s3", "cp", file.toString(), "s3://" + LocalRuntime.UPLOADS_BUCKET + "/" + folder + "march.jsonl");

        String resultsKey = folder + "march.jsonl.results.jsonl";
        String results = awaitObject(resultsKey);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : results.split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(10);
        for (int i = 0; i < 10; i++) {
            JsonNode line = lines.get(i);
            assertThat(line.path("index").asInt()).isEqualTo(i);
            if (i == 3 || i == 6) {
                assertThat(line.path("status").asText()).isEqualTo("refused");
                assertThat(line.path("task_id").isNull()).isTrue();
                assertThat(line.path("error").path("code").asText()).isNotBlank();
            } else {
                assertThat(line.path("status").asText()).as(line.toString()).isEqualTo("completed");
                assertThat(line.path("video").asText()).startsWith("s3://" + LocalRuntime.ARCHIVE_BUCKET + "/");
                assertThat(line.path("cost_usd").decimalValue()).isPositive();
                assertThat(line.path("error").isNull()).isTrue();
                String videoKey = line.path("video").asText().substring(("s3://" + LocalRuntime.ARCHIVE_BUCKET + "/").length());
                assertThat(runtime.s3().client().headObject(h -> h.bucket(LocalRuntime.ARCHIVE_BUCKET).key(videoKey))
                        .contentLength()).isPositive();
            }
        }
        assertThat(lines.get(3).path("error").path("code").asText()).isEqualTo("invalid_json");
        JsonNode listed = client.getJson("/v1/batches?limit=100");
        JsonNode batch = null;
        for (JsonNode candidate : listed.path("data")) {
            if (candidate.path("manifest").asText().endsWith(folder + "march.jsonl")) {
                batch = candidate;
            }
        }
        assertThat(batch).as(listed.toString()).isNotNull();
        assertThat(batch.path("status").asText()).isEqualTo("completed");
        assertThat(batch.path("request_counts").path("completed").asInt()).isEqualTo(8);
        assertThat(batch.path("request_counts").path("refused").asInt()).isEqualTo(2);
    }

    @Test
    void cancellingARunningBatchCancelsItsUnfinishedTasksFree() throws Exception {
        // Every vendor's two slots are taken by renders that would last long: the other requests wait in the queue.
        for (String vendor : List.of("kling", "unified", "apimart", "gateway")) {
            runtime.sandbox(vendor).faults().renderSlowly(2, Duration.ofSeconds(40));
        }
        List<Object> requests = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            requests.add(request("to be cancelled " + i));
        }
        HttpResponse<String> created = client.post("/v1/batches", Map.of("requests", requests), Map.of());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).path("id").asText();
        awaitBatch(batchId, b -> b.path("status").asText().equals("in_progress"));

        HttpResponse<String> cancelled = client.post("/v1/batches/" + batchId + "/cancel", Map.of(), Map.of());

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(JSON.readTree(cancelled.body()).path("status").asText()).isIn("cancelling", "cancelled");
        JsonNode batch = awaitBatch(batchId, b -> b.path("status").asText().equals("cancelled"));
        List<JsonNode> tasks = allTasks(batchId);
        assertThat(tasks).hasSize(30).allSatisfy(task ->
                assertThat(task.path("status").asText()).isIn("completed", "cancelled"));
        List<JsonNode> cancelledTasks = tasks.stream().filter(task -> task.path("status").asText().equals("cancelled")).toList();
        assertThat(cancelledTasks).as("every vendor busy: none could complete").hasSize(30);
        // As a single cancel: free while no vendor had the job; a vendor that had it and cannot stop it bills it.
        List<JsonNode> neverAtAVendor = cancelledTasks.stream()
                .filter(task -> !ApiTestClient.events(task).contains("provider_submitted")).toList();
        assertThat(neverAtAVendor).as("the batch's tasks still waiting for a slot").hasSizeGreaterThanOrEqualTo(15).allSatisfy(task -> {
            assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
            assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
        });
        assertThat(cancelledTasks).filteredOn(task -> task.path("usage").path("charged").asBoolean())
                .allSatisfy(task -> assertThat(ApiTestClient.events(task)).contains("provider_submitted"));
        JsonNode counts = batch.path("request_counts");
        assertThat(counts.path("cancelled").asInt()).isEqualTo(cancelledTasks.size());
        assertThat(counts.path("completed").asInt()).isEqualTo(30 - cancelledTasks.size());
        BigDecimal sum = tasks.stream().map(task -> task.path("usage").path("cost_usd").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(batch.path("cost_usd").decimalValue()).isEqualByComparingTo(sum);

        HttpResponse<String> again = client.post("/v1/batches/" + batchId + "/cancel", Map.of(), Map.of());
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(again.body()).path("error").path("code").asText()).isEqualTo("batch_not_cancellable");
    }

    @Test
    void aRepeatedCreationWithTheSameIdempotencyKeyCreatesNothing() throws Exception {
        Map<String, Object> body = Map.of("requests", List.of(request("once"), request("twice")));
        Map<String, String> key = Map.of("Idempotency-Key", "batch-key-" + System.nanoTime());

        HttpResponse<String> first = client.post("/v1/batches", body, key);
        HttpResponse<String> second = client.post("/v1/batches", body, key);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        String batchId = JSON.readTree(first.body()).path("id").asText();
        assertThat(JSON.readTree(second.body()).path("id").asText()).isEqualTo(batchId);
        awaitBatch(batchId, b -> b.path("status").asText().equals("completed"));
        assertThat(allTasks(batchId)).hasSize(2);
        int withThisId = 0;
        for (JsonNode listed : client.getJson("/v1/batches?limit=100").path("data")) {
            withThisId += listed.path("id").asText().equals(batchId) ? 1 : 0;
        }
        assertThat(withThisId).isEqualTo(1);
        long tasksOfBatch = 0;
        for (JsonNode task : client.getJson("/v1/tasks?limit=100").path("data")) {
            tasksOfBatch += task.path("task_info").path("batch_id").asText().equals(batchId) ? 1 : 0;
        }
        assertThat(tasksOfBatch).as("the repeat made no task").isEqualTo(2);

        HttpResponse<String> otherBody = client.post("/v1/batches", Map.of("requests", List.of(request("else"))), key);
        assertThat(otherBody.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(otherBody.body()).path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void aBatchIsItsOwnersAloneAndABadEnvelopeIsRefused() throws Exception {
        HttpResponse<String> created = client.post("/v1/batches", Map.of("requests", List.of(request("mine"))), Map.of());
        String batchId = JSON.readTree(created.body()).path("id").asText();
        String otherKey = runtime.apiKeys().create("batch-stranger", null, null).secret();
        ApiTestClient stranger = client.withKey(otherKey);

        for (String path : List.of("/v1/batches/" + batchId, "/v1/batches/" + batchId + "/tasks")) {
            HttpResponse<String> answer = stranger.send("GET", path, null);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("batch_not_found");
        }
        assertThat(stranger.post("/v1/batches/" + batchId + "/cancel", Map.of(), Map.of()).statusCode()).isEqualTo(404);
        assertThat(stranger.getJson("/v1/batches").path("data")).isEmpty();

        HttpResponse<String> empty = client.post("/v1/batches", Map.of("requests", List.of()), Map.of());
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("error").path("code").asText()).isEqualTo("invalid_requests");
        List<Object> tooMany = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            tooMany.add(Map.of());
        }
        assertThat(client.post("/v1/batches", Map.of("requests", tooMany), Map.of()).statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = client.post("/v1/batches", Map.of("requests", List.of(request("x")), "priority", 1), Map.of());
        assertThat(JSON.readTree(unknown.body()).path("error").path("code").asText()).isEqualTo("unknown_parameter");
        awaitBatch(batchId, b -> b.path("status").asText().equals("completed"));
    }

    private static JsonNode awaitBatch(String batchId, Predicate<JsonNode> condition) throws Exception {
        Instant giveUp = Instant.now().plus(LIMIT);
        JsonNode batch = client.getJson("/v1/batches/" + batchId);
        while (!condition.test(batch)) {
            assertThat(Instant.now()).as("batch %s within %s: %s", batchId, LIMIT, batch).isBefore(giveUp);
            Thread.sleep(250);
            batch = client.getJson("/v1/batches/" + batchId);
        }
        return batch;
    }

    /** Every task of the batch, page by page. */
    private static List<JsonNode> allTasks(String batchId) throws Exception {
        List<JsonNode> tasks = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = client.getJson("/v1/batches/" + batchId + "/tasks?limit=20" + (cursor == null ? "" : "&cursor=" + cursor));
            page.path("data").forEach(tasks::add);
            cursor = page.path("has_more").asBoolean() ? page.path("next_cursor").asText() : null;
        } while (cursor != null);
        return tasks;
    }

    private static String awaitObject(String key) throws Exception {
        Instant giveUp = Instant.now().plus(LIMIT);
        while (true) {
            try {
                ResponseBytes<GetObjectResponse> object = runtime.s3().client()
                        .getObjectAsBytes(get -> get.bucket(LocalRuntime.UPLOADS_BUCKET).key(key));
                return object.asUtf8String();
            } catch (NoSuchKeyException notYet) {
                assertThat(Instant.now()).as("s3://%s/%s within %s", LocalRuntime.UPLOADS_BUCKET, key, LIMIT).isBefore(giveUp);
                Thread.sleep(250);
            }
        }
    }

    /** The AWS CLI, pointed at the local S3 with its credentials; fails the test unless it exits 0. */
    private static void awsCli(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", runtime.s3().endpoint().toString(), "--region", "us-east-1"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("AWS_ACCESS_KEY_ID", runtime.s3().accessKey());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", runtime.s3().secretKey());
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("aws %s: %s", String.join(" ", arguments), output).isZero();
    }

    /** The signature, checked by the tests' own Standard Webhooks verifier (no code shared with the signer). */
    private static boolean verify(String secret, Delivery delivery) {
        return StandardWebhooksVerifier.verifies(secret, delivery.headers(), delivery.body(), Instant.now().getEpochSecond());
    }
}
