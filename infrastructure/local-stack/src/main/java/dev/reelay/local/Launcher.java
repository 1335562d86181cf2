package dev.reelay.local;

import dev.reelay.application.TaskLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.QueuePolicy;
import dev.reelay.local.sandbox.SandboxSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code ./reelay} launcher: {@code generate} makes one video end to end on the local stack,
 * {@code serve} keeps the local HTTP API up, {@code keys} manages API keys. Standard output
 * carries only machine-readable lines; everything for people goes to standard error.
 */
public final class Launcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.reelay.local.generate");
    private static final Duration GENERATE_TIMEOUT = Duration.ofMinutes(15);
    /** Lets webhooks go to http://localhost receivers: a local-only escape hatch, never set in AWS. */
    static final String ALLOW_LOCAL_WEBHOOKS = "allow-local-webhooks";
    private static final List<String> FLAGS = List.of(ALLOW_LOCAL_WEBHOOKS);
    /** {@code --max-concurrency PROVIDER=N}, repeatable: at most N tasks at that vendor at once (docs/queue.md). */
    static final String MAX_CONCURRENCY = "max-concurrency";
    private static final List<String> REPEATABLE = List.of(MAX_CONCURRENCY);
    static final String USAGE = """
            Usage:
              reelay generate --image PATH --prompt TEXT [--last-image PATH] [--duration N] [--quality 720p|1080p|4k]
                              [--sound on|off] [--aspect-ratio 16:9|9:16|1:1] [--provider kling|unified|apimart|gateway]
                              [--callback-url URL] [--allow-local-webhooks] [--out DIR]
              reelay serve [--port 3000] [--allow-local-webhooks]
              reelay keys create --name NAME [--monthly-budget-usd AMOUNT] [--max-concurrency N]
              reelay keys list
              reelay keys revoke --name NAME
              reelay keys usage --name NAME [--month YYYY-MM]   (the key's usage and budget, as GET /v1/usage answers it)
                    (keys act on the local stack's state; add --table NAME [--region R] for a deployed stack's table)
              reelay sandbox [--tls] [--fault PROVIDER:FAULT]...   (the vendor sandboxes alone; --help for faults)
            generate and serve take the sandbox provider's timing: [--render-delay SECONDS] (default 3) [--progress-steps N] (default 5),
            and [--max-concurrency PROVIDER=N]... (repeatable): at most N tasks at that vendor at once; the rest wait in the queue.
            """;

    private final PrintStream stdout;
    private final PrintStream stderr;
    private final Path stateDir;
    /** Counted down to stop {@code serve}: by the JVM's shutdown (Ctrl-C), or by a test. */
    private final CountDownLatch stopServing = new CountDownLatch(1);

    Launcher(PrintStream stdout, PrintStream stderr) {
        this(stdout, stderr, Path.of(".reelay").toAbsolutePath());
    }

    /** @param stateDir where the local stack keeps its state ({@code .reelay/} in the working directory) */
    Launcher(PrintStream stdout, PrintStream stderr, Path stateDir) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.stateDir = stateDir;
    }

    public static void main(String[] args) {
        PrintStream stdout = System.out;
        System.setOut(System.err); // the engines print banners; stdout stays ours alone
        int code;
        try {
            code = new Launcher(stdout, System.err).run(args);
        } catch (UsageException e) {
            System.err.println("reelay: " + e.getMessage());
            System.err.print(USAGE);
            code = 64;
        } catch (Exception e) {
            System.err.println("reelay: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        stdout.flush();
        // DynamoDB Local leaves a non-daemon thread behind after it stops.
        System.exit(code);
    }

    int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        Deque<String> rest = new ArrayDeque<>(List.of(args).subList(1, args.length));
        return switch (args[0]) {
            case "generate" -> generate(Options.parse(rest, List.of("image", "prompt", "last-image", "duration",
                    "quality", "sound", "aspect-ratio", "out", "provider", "callback-url", "render-delay", "progress-steps",
                    MAX_CONCURRENCY, ALLOW_LOCAL_WEBHOOKS)));
            case "serve" -> serve(Options.parse(rest, List.of("port", "render-delay", "progress-steps", MAX_CONCURRENCY,
                    ALLOW_LOCAL_WEBHOOKS)));
            case "keys" -> KeysCommand.run(rest, stateDir, stdout, stderr);
            case "sandbox" -> SandboxCommand.run(rest.toArray(String[]::new), stdout, stderr);
            case "help", "--help", "-h" -> {
                stderr.print(USAGE);
                yield 0;
            }
            default -> throw new UsageException("unknown command '" + args[0] + "'");
        };
    }

    private int generate(Options options) throws Exception {
        Path image = Path.of(options.required("image")).toAbsolutePath();
        if (!Files.isRegularFile(image)) {
            throw new UsageException("--image " + image + " is not a file");
        }
        ObjectNode request = JSON.createObjectNode();
        request.put("model", "kling-v3-image-to-video");
        request.put("prompt", options.required("prompt"));
        request.put("image_start", image.toUri().toString());
        options.optional("last-image").ifPresent(last -> request.put("image_end", Path.of(last).toAbsolutePath().toUri().toString()));
        options.optional("duration").ifPresent(duration -> request.set("duration", numberOrText(duration)));
        options.optional("quality").ifPresent(quality -> request.put("quality", quality));
        options.optional("sound").ifPresent(sound -> request.put("sound", sound));
        options.optional("aspect-ratio").ifPresent(ratio -> request.put("aspect_ratio", ratio));
        options.optional("provider").ifPresent(provider -> request.put("provider", provider));
        options.optional("callback-url").ifPresent(url -> request.put("callback_url", url));
        Path out = Path.of(options.optional("out").orElse("videos")).toAbsolutePath();

        LocalRuntime.Settings settings = userSettings(0, options);
        stderr.println("Starting the local stack (state in .reelay/) ...");
        try (LocalRuntime runtime = LocalRuntime.start(settings)) {
            if (!runtime.hasDefaultApiKey()) {
                stderr.println("reelay: no usable API key: " + runtime.defaultApiKeyProblem());
                return 1;
            }
            showNewWebhookSecret(runtime);
            ApiClient api = new ApiClient(runtime.apiBaseUrl(), runtime.defaultApiKey());
            HttpResponse<String> submitted = api.post("/v1/videos/generations", JSON.writeValueAsString(request));
            if (submitted.statusCode() != 200) {
                stderr.println("Refused (" + submitted.statusCode() + "): " + submitted.body());
                return 2;
            }
            String taskId = JSON.readTree(submitted.body()).path("id").asText();
            progress(taskId, "Task " + taskId + " accepted; generating ...");
            String finalBody = waitForEnd(api, taskId, request.has("callback_url"));
            JsonNode task = JSON.readTree(finalBody);
            if ("completed".equals(task.path("status").asText())) {
                Path video = out.resolve(taskId + ".mp4");
                Files.createDirectories(out);
                api.download(URI.create(task.path("result").path("url").asText()), video);
                progress(taskId, "Video: " + video + " (" + Files.size(video) + " bytes, "
                        + task.path("usage").path("cost_usd").asText() + " USD)");
                stdout.println(finalBody);
                return 0;
            }
            progress(taskId, "Task " + taskId + " ended " + task.path("status").asText() + ": "
                    + task.path("error").path("message").asText("no reason given"));
            stdout.println(finalBody);
            return 1;
        }
    }

    /**
     * A line about a task for the person running the command: on stderr as it is, or, with JSON logs
     * ({@code REELAY_LOG_FORMAT=json}), as a log line that carries the task's id like every other line about it.
     */
    private void progress(String taskId, String line) {
        if (!jsonLogs()) {
            stderr.println(line);
            return;
        }
        try (MDC.MDCCloseable task = MDC.putCloseable(TaskLog.TASK_ID, taskId)) {
            PROGRESS.info(line);
        }
    }

    /** The same condition the functions' reelay-log4j2.xml chooses JSON lines by. */
    static boolean jsonLogs() {
        return "json".equalsIgnoreCase(System.getenv("REELAY_LOG_FORMAT")) || "json".equalsIgnoreCase(System.getProperty("reelay.log.format"));
    }

    /**
     * Polls the task as any API client would, showing progress on stderr, until it ends, and with a
     * callback URL until its webhook was delivered or given up (the stack stops when this returns).
     */
    private String waitForEnd(ApiClient api, String taskId, boolean awaitWebhook) throws IOException, InterruptedException {
        long began = System.nanoTime();
        String lastShown = "";
        while (System.nanoTime() - began < GENERATE_TIMEOUT.toNanos()) {
            HttpResponse<String> answer = api.get("/v1/tasks/" + taskId);
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("GET /v1/tasks/" + taskId + " answered " + answer.statusCode() + ": " + answer.body());
            }
            JsonNode task = JSON.readTree(answer.body());
            String status = task.path("status").asText();
            String shown = status + " " + task.path("progress").asInt() + "%";
            if (!shown.equals(lastShown)) {
                progress(taskId, String.format(java.util.Locale.ROOT, "[%5.1fs] %s", (System.nanoTime() - began) / 1e9, shown));
                lastShown = shown;
            }
            boolean ended = status.equals("completed") || status.equals("failed") || status.equals("cancelled");
            if (ended && (!awaitWebhook || webhookSettled(task))) {
                return answer.body();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Task " + taskId + " did not end within " + GENERATE_TIMEOUT.toMinutes() + " minutes");
    }

    /** Whether the task's webhook was delivered or given up, by its timeline. */
    private static boolean webhookSettled(JsonNode task) {
        for (JsonNode event : task.path("timeline")) {
            String name = event.path("event").asText();
            if (name.equals("webhook_delivered") || name.equals("webhook_gave_up")) {
                return true;
            }
        }
        return false;
    }

    private int serve(Options options) throws Exception {
        int port = (int) options.number("port", 3000, 0);
        LocalRuntime runtime = LocalRuntime.start(userSettings(port, options));
        CountDownLatch closed = new CountDownLatch(1);
        Thread onShutdown = new Thread(() -> {
            stopServing.countDown();
            try {
                closed.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(onShutdown);
        try {
            showNewWebhookSecret(runtime);
            URI base = runtime.apiBaseUrl();
            if (!runtime.hasDefaultApiKey()) {
                stderr.println("reelay: no usable default API key: " + runtime.defaultApiKeyProblem());
            }
            // One line for scripts, once the stack is ready: everything a client needs.
            ObjectNode ready = JSON.createObjectNode();
            ready.put("base_url", base.toString());
            ready.put("api_key", runtime.hasDefaultApiKey() ? runtime.defaultApiKey() : null);
            ready.put("api_key_name", runtime.hasDefaultApiKey() ? DefaultApiKey.NAME : null);
            ready.put("s3_endpoint", runtime.s3().endpoint().toString());
            ready.put("s3_access_key", runtime.s3().accessKey());
            ready.put("s3_secret_key", runtime.s3().secretKey());
            ready.put("uploads_bucket", LocalRuntime.UPLOADS_BUCKET);
            stdout.println(JSON.writeValueAsString(ready));
            stdout.flush();
            stderr.println("Serving the Reelay API at " + base + " until interrupted (Ctrl-C). Try:");
            stderr.println("  export REELAY_API_KEY=" + (runtime.hasDefaultApiKey() ? runtime.defaultApiKey() : "<your key>"));
            stderr.println("  curl -s " + base + "/v1/videos/generations -H \"Authorization: Bearer $REELAY_API_KEY\" "
                    + "-H 'Content-Type: application/json' -d '"
                    + "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"waves\",\"image_start\":\"file:/path/to/image.jpg\",\"duration\":5}'");
            stderr.println("Local S3 at " + runtime.s3().endpoint() + " (region us-east-1, path-style): an image put under s3://"
                    + LocalRuntime.UPLOADS_BUCKET + "/" + LocalRuntime.UPLOADS_PREFIX + "{key-name}/ starts a generation for that key:");
            stderr.println("  " + uploadCurl(runtime));
            stopServing.await();
        } finally {
            runtime.close();
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onShutdown);
            } catch (IllegalStateException shuttingDown) {
                // The hook is what stopped us: nothing to remove.
            }
        }
        return 0;
    }

    /**
     * A working upload of an image to the local S3 that starts a generation for the default key.
     * S3 (and s3proxy) require {@code x-amz-content-sha256} with SigV4; curl 7.x does not send it
     * for {@code -T}, but signs it when given, so the command states it.
     */
    static String uploadCurl(LocalRuntime runtime) {
        return "curl --aws-sigv4 'aws:amz:us-east-1:s3' --user '" + runtime.s3().accessKey() + ":" + runtime.s3().secretKey()
                + "' -T image.jpg " + runtime.s3().endpoint() + "/" + LocalRuntime.UPLOADS_BUCKET + "/"
                + LocalRuntime.UPLOADS_PREFIX + "default/image.jpg -H 'x-amz-meta-prompt: waves' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'";
    }

    /** Stops a running {@code serve} as Ctrl-C would: the stack is closed and {@code run} returns. */
    void stopServing() {
        stopServing.countDown();
    }

    /** The webhook signing secret is shown once, when it is created; it is kept in the local tasks table. */
    private void showNewWebhookSecret(LocalRuntime runtime) {
        if (runtime.defaultApiKeyCreated()) {
            stderr.println("Created the local API key 'default'; its secret is kept in " + stateDir.resolve(DefaultApiKey.FILE)
                    + " (serve prints it).");
        }
        if (runtime.webhookSecret().created()) {
            stderr.println("Webhook signing secret (shown once; keep it to verify webhooks): " + runtime.webhookSecret().secret());
        }
    }

    private LocalRuntime.Settings userSettings(int port, Options options) {
        SandboxSettings defaults = SandboxSettings.forUsers();
        SandboxSettings sandbox = defaults.withTiming(
                Duration.ofMillis(Math.round(1000 * options.number("render-delay", defaults.renderDelay().toMillis() / 1000.0, 0))),
                (int) options.number("progress-steps", defaults.progressSteps(), 1));
        java.util.Map<String, Integer> caps;
        try {
            caps = QueuePolicy.parseCaps(options.optional(MAX_CONCURRENCY).orElse(null));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + MAX_CONCURRENCY + ": " + e.getMessage());
        }
        return new LocalRuntime.Settings(stateDir, sandbox,
                new PollingPolicy(1, 3, 1.5, Duration.ofMinutes(10), 300), port, System.getenv(), options.flag("allow-local-webhooks"))
                .withMaxConcurrency(caps);
    }

    private static JsonNode numberOrText(String value) {
        try {
            return JSON.getNodeFactory().numberNode(Integer.parseInt(value));
        } catch (NumberFormatException notANumber) {
            return JSON.getNodeFactory().textNode(value); // the API answers with a precise 400
        }
    }

    /** The launcher is a plain API client: it uses HTTP, with the default API key, like anyone else. */
    private record ApiClient(URI base, String apiKey, HttpClient http) {
        ApiClient(URI base, String apiKey) {
            this(base, apiKey, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
        }

        HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + apiKey)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + apiKey).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        void download(URI url, Path target) throws IOException, InterruptedException {
            HttpResponse<Path> answer = http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofFile(target));
            if (answer.statusCode() != 200) {
                Files.deleteIfExists(target);
                throw new IllegalStateException("Downloading the video answered " + answer.statusCode());
            }
        }
    }

    /** {@code --name value} options; every name must be known. */
    record Options(Map<String, String> values) {
        static Options parse(Deque<String> args, List<String> known) {
            Map<String, String> values = new HashMap<>();
            while (!args.isEmpty()) {
                String flag = args.pop();
                String name = flag.startsWith("--") ? flag.substring(2) : null;
                if (name == null || !known.contains(name)) {
                    throw new UsageException("unknown option '" + flag + "'");
                }
                if (FLAGS.contains(name)) {
                    values.put(name, "true");
                    continue;
                }
                if (args.isEmpty()) {
                    throw new UsageException("option " + flag + " needs a value");
                }
                String value = args.pop();
                if (values.containsKey(name) && !REPEATABLE.contains(name)) {
                    throw new UsageException("option " + flag + " is given twice");
                }
                values.merge(name, value, (earlier, later) -> earlier + ";" + later);
            }
            return new Options(values);
        }

        String required(String name) {
            String value = values.get(name);
            if (value == null) {
                throw new UsageException("--" + name + " is required");
            }
            return value;
        }

        boolean flag(String name) {
            return values.containsKey(name);
        }

        java.util.Optional<String> optional(String name) {
            return java.util.Optional.ofNullable(values.get(name));
        }

        double number(String name, double fallback, double minimum) {
            String value = values.get(name);
            try {
                double number = value == null ? fallback : Double.parseDouble(value);
                if (number < minimum) {
                    throw new UsageException("--" + name + " must be at least " + minimum);
                }
                return number;
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " takes a number, not '" + value + "'");
            }
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
