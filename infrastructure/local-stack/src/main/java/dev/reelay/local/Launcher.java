package dev.reelay.local;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.QueuePolicy;
import dev.reelay.local.sandbox.SandboxSettings;

import dev.reelay.domain.error.InvalidRequestException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code ./reelay} launcher, a command line on picocli ({@link Cli}): {@code generate} makes one video
 * end to end on the local stack (or, with {@code --endpoint}, on any Reelay API), {@code serve} keeps the
 * local HTTP API up, {@code keys} manages API keys, {@code tasks} and {@code usage} ask a running API.
 * Standard output carries only machine-readable lines (and what {@code --help} and {@code completion}
 * were asked for); everything for people goes to standard error.
 * <p>
 * Exit codes: {@value #DONE} done, {@value #TASK_FAILED} the task failed (or an unexpected error),
 * {@value #REFUSED} refused or bad usage, {@value #UNAVAILABLE} unavailable (the endpoint cannot be
 * reached, answered 5xx, or the local stack did not start).
 */
public final class Launcher {
    static final int DONE = 0;
    static final int TASK_FAILED = 1;
    static final int REFUSED = 2;
    static final int UNAVAILABLE = 3;
    /** Jackson's databind loads on first use only: a refusal or a --help stays well under a second. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final Duration GENERATE_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    /** How many of the local stack's log files {@code .reelay/logs/} keeps: the newest. */
    private static final int LOG_FILES_KEPT = 20;
    /** Lets webhooks go to http://localhost receivers: a local-only escape hatch, never set in AWS. */
    static final String ALLOW_LOCAL_WEBHOOKS = "allow-local-webhooks";
    /** {@code --max-concurrency PROVIDER=N}, repeatable: at most N tasks at that vendor at once (docs/queue.md). */
    static final String MAX_CONCURRENCY = "max-concurrency";

    final PrintStream stdout;
    final PrintStream stderr;
    final Path stateDir;
    final Map<String, String> environment;
    /**
     * Whether local {@code generate} and {@code serve} may send the stack's log to a file under
     * {@code .reelay/logs/}: only a launcher that has its JVM to itself ({@link #main}), since Log4j is set up once per JVM.
     */
    private boolean ownsTheJvm;
    /** The local stack's log file of this command, once there is one. */
    Path stackLog;
    /** Counted down to stop {@code serve}: by the JVM's shutdown (Ctrl-C), or by a test. */
    private final CountDownLatch stopServing = new CountDownLatch(1);

    Launcher(PrintStream stdout, PrintStream stderr) {
        this(stdout, stderr, Path.of(".reelay").toAbsolutePath());
    }

    /** @param stateDir where the local stack keeps its state ({@code .reelay/} in the working directory) */
    Launcher(PrintStream stdout, PrintStream stderr, Path stateDir) {
        this(stdout, stderr, stateDir, System.getenv());
    }

    /** @param environment where {@code REELAY_ENDPOINT} and {@code REELAY_API_KEY} are looked up */
    Launcher(PrintStream stdout, PrintStream stderr, Path stateDir, Map<String, String> environment) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.stateDir = stateDir;
        this.environment = environment;
    }

    public static void main(String[] args) {
        PrintStream stdout = System.out;
        System.setOut(System.err); // the engines print banners; stdout stays ours alone
        Launcher launcher = new Launcher(stdout, System.err);
        launcher.ownsTheJvm = true;
        int code = launcher.run(args);
        stdout.flush();
        // DynamoDB Local leaves a non-daemon thread behind after it stops.
        System.exit(code);
    }

    /** Runs one command line and answers its exit code; usage errors are told on stderr and answered {@value #REFUSED}. */
    int run(String[] args) {
        int code = Cli.commandLine(this).execute(args);
        stdout.flush();
        return code;
    }

    /** The local {@code generate}: the request is checked first, then the embedded stack makes the video. */
    int generateLocally(Cli.Generate options) throws Exception {
        Path image = Path.of(options.image).toAbsolutePath();
        if (!Files.isRegularFile(image)) {
            throw new UsageException("--image " + image + " is not a file");
        }
        Map<String, Object> request = options.request(image.toUri().toString(),
                options.lastImage == null ? null : Path.of(options.lastImage).toAbsolutePath().toUri().toString());
        Path out = Path.of(options.out).toAbsolutePath();
        // Refused input is told before any stack starts (before even its classes load), with the error the API would answer.
        try {
            LocalChecks.check(request, image, options.lastImage == null ? null : Path.of(options.lastImage).toAbsolutePath(),
                    options.stack.allowLocalWebhooks);
        } catch (InvalidRequestException refused) {
            return refuse(refused);
        }
        ProgressDisplay display = ProgressDisplay.choose(options.progress, stderr, jsonLogs(), options.stack.verbose);
        return onLocalStack("generate", options.stack, display instanceof ProgressDisplay.Live,
                api -> generate(api, request, out, request.containsKey("callback_url"), display));
    }

    /** What a local command does with the local stack's API, called with the default API key. */
    interface LocalWork {
        int run(RemoteApi api) throws Exception;
    }

    /**
     * Runs {@code work} on the local stack: on the embedded one this command starts (and stops once
     * {@code work} returns), or, while {@code ./reelay serve} runs on the same state directory, through
     * serve's API. The stack's settings are checked before anything starts.
     *
     * @param command  the command's name, for the log file's name and the messages
     * @param liveLine whether a live progress line shows on stderr (the stack's error lines then clear it first)
     */
    int onLocalStack(String command, Cli.StackOptions options, boolean liveLine, LocalWork work) throws Exception {
        LocalRuntime.Settings settings = userSettings(0, options);
        StateDirectory.Access access = StateDirectory.await(stateDir, KeysCommand.PATIENCE, stderr);
        if (access.stack() != null) {
            return work.run(runningStackApi(access.stack(), command, options));
        }
        try (StateDirectory.Ownership owned = access.ownership()) {
            sendStackLogToFile(command, options, liveLine);
            announceStart();
            LocalRuntime runtime;
            try {
                runtime = LocalRuntime.start(settings);
            } catch (Exception e) {
                throw new RemoteApi.Unavailable("the local stack did not start: " + e, e);
            }
            try (runtime; KeysAdminEndpoint keys = publishKeysEndpoint(runtime, command)) {
                try {
                    if (!runtime.hasDefaultApiKey()) {
                        stderr.println("reelay: no usable API key: " + runtime.defaultApiKeyProblem());
                        return UNAVAILABLE;
                    }
                    showNewWebhookSecret(runtime);
                    return work.run(new RemoteApi(runtime.apiBaseUrl(), runtime.defaultApiKey()));
                } finally {
                    StateDirectory.removeRunningStack(stateDir);
                }
            }
        }
    }

    /**
     * A local command while {@code serve} runs on the same state directory: a second stack on its
     * database would end serve's running tasks as orphans, so the requests go to serve's API with the
     * default key, as a client's would. Another local {@code generate} or {@code batch} is not shared:
     * its stack stops when its own work is done.
     */
    private RemoteApi runningStackApi(StateDirectory.RunningStack stack, String command, Cli.StackOptions options) throws IOException {
        if (!stack.kind().equals("serve")) {
            throw new RemoteApi.Unavailable("another local " + stack.kind() + " (pid " + stack.pid() + ") is using " + stateDir
                    + "; wait for it, or run './reelay serve' and " + command + " with it", null);
        }
        if (options.anyGiven()) {
            throw new UsageException("./reelay serve runs on " + stateDir + " (pid " + stack.pid() + ") with its own settings: drop"
                    + " --render-delay, --progress-steps, --max-concurrency and --allow-local-webhooks, or stop serve");
        }
        Path keyFile = stateDir.resolve(DefaultApiKey.FILE);
        if (!Files.isRegularFile(keyFile)) {
            throw new RemoteApi.Unavailable("./reelay serve runs on " + stateDir + " but " + keyFile + " is gone: use " + command
                    + " --endpoint " + stack.apiUrl() + " --api-key KEY", null);
        }
        stderr.println("Using the running ./reelay serve (pid " + stack.pid() + ") at " + stack.apiUrl() + " ...");
        return new RemoteApi(stack.apiUrl(), Files.readString(keyFile).strip());
    }

    /** {@code generate} with {@code --endpoint}: the same request to any Reelay API. */
    int generateRemotely(Cli.Generate options, RemoteApi api) throws Exception {
        Map<String, Object> request;
        try {
            request = options.request(imageReference("image_start", options.image, api),
                    options.lastImage == null ? null : imageReference("image_end", options.lastImage, api));
        } catch (InvalidRequestException refused) {
            return refuse(refused);
        } catch (UploadRefused refused) {
            return Cli.answerNotOk(this, refused.what, refused.answer);
        }
        return generate(api, request, Path.of(options.out).toAbsolutePath(), false,
                ProgressDisplay.choose(options.progress, stderr, jsonLogs(), options.stack.verbose));
    }

    /** The API or S3 refused a local image's upload: its answer is what the command reports. */
    static final class UploadRefused extends RuntimeException {
        final String what;
        final transient RemoteApi.Answer answer;

        UploadRefused(String what, RemoteApi.Answer answer) {
            super(what + " answered " + answer.status());
            this.what = what;
            this.answer = answer;
        }
    }

    /**
     * What remote mode sends for an image: a URL as it is ({@code https://}, or {@code file:} and {@code s3://},
     * which only a local API accepts), or, for a local file, an {@code upload://} reference: the file is put
     * through {@code POST /v1/uploads} and a plain PUT to the presigned URL it answers (docs/uploads.md), so
     * no S3 credentials are needed. The API checks the image as it checks any other.
     */
    static String imageReference(String field, String image, RemoteApi api) {
        if (image.matches("(?i)(https?|file|s3|upload):.*")) {
            return image;
        }
        Path file = Path.of(image);
        String contentType = contentTypeOf(field, file);
        try {
            ObjectNode ask = json().createObjectNode().put("content_type", contentType).put("size", Files.size(file));
            RemoteApi.Answer created = api.post("/v1/uploads", json().writeValueAsString(ask));
            if (!created.ok()) {
                throw new UploadRefused("POST /v1/uploads", created);
            }
            JsonNode upload = json().readTree(created.body());
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            upload.path("headers").fields().forEachRemaining(header -> headers.put(header.getKey(), header.getValue().asText()));
            RemoteApi.Answer put = api.put(URI.create(upload.path("upload_url").asText()), headers, file);
            if (!put.ok()) {
                throw new RemoteApi.Unavailable("the upload of " + file + " answered HTTP " + put.status() + ": " + put.body(), null);
            }
            return upload.path("reference").asText();
        } catch (IOException e) {
            throw new InvalidRequestException(field, "image_unreachable", "'" + image + "' could not be read: " + e.getMessage());
        }
    }

    /** The upload's content type, from the file's first bytes; the API accepts PNG and JPEG. */
    private static String contentTypeOf(String field, Path file) {
        byte[] head = new byte[8];
        try (java.io.InputStream in = Files.newInputStream(file)) {
            int read = in.readNBytes(head, 0, head.length);
            if (read >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
                return "image/png";
            }
            if (read >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff) {
                return "image/jpeg";
            }
        } catch (IOException e) {
            throw new InvalidRequestException(field, "image_unreachable", "'" + file + "' could not be read: " + e.getMessage());
        }
        throw new InvalidRequestException(field, "unsupported_image_format", "'" + file + "' is neither a PNG nor a JPEG image.");
    }

    /**
     * Submits, follows the task on {@code display} until it ends, downloads a completed video; prints the
     * final task (with {@code file}) on stdout and a summary for people on stderr.
     */
    private int generate(RemoteApi api, Map<String, Object> request, Path out, boolean awaitWebhook, ProgressDisplay display)
            throws Exception {
        long began = System.nanoTime();
        RemoteApi.Answer submitted = api.post("/v1/videos/generations", json().writeValueAsString(request));
        if (!submitted.ok()) {
            return Cli.answerNotOk(this, "POST /v1/videos/generations", submitted);
        }
        String taskId = json().readTree(submitted.body()).path("id").asText();
        try (display) {
            display.say(taskId, "Task " + taskId + " accepted; generating ...");
            RemoteApi.Answer ended = waitForEnd(api, taskId, awaitWebhook, display, began);
            if (!ended.ok()) {
                display.close();
                return Cli.answerNotOk(this, "GET /v1/tasks/" + taskId, ended);
            }
            ObjectNode task = (ObjectNode) json().readTree(ended.body());
            if ("completed".equals(task.path("status").asText())) {
                Path video = downloadVideo(api, task, out);
                display.say(taskId, ProgressDisplay.completed(task, video, Files.size(video), since(began)));
                stdout.println(withFile(ended.body(), video));
                return DONE;
            }
            display.say(taskId, ProgressDisplay.ended(task, since(began), stackLog == null ? null : shown(stackLog)));
            stdout.println(ended.body());
            return TASK_FAILED;
        }
    }

    static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }

    /** Downloads a completed task's {@code result.url} to {@code DIR/ID.mp4}. */
    static Path downloadVideo(RemoteApi api, JsonNode task, Path out) throws IOException {
        Path video = out.resolve(task.path("id").asText() + ".mp4");
        api.download(URI.create(task.path("result").path("url").asText()), video);
        return video;
    }

    /**
     * The task's JSON line with {@code "file"}, the downloaded video's absolute path, added last: the
     * local {@code result.url} dies with the local stack, the file stays.
     */
    static String withFile(String taskJson, Path video) throws IOException {
        return withPath(taskJson, "file", video);
    }

    /** A JSON object's line with {@code name}, a file's path, added last; its other fields and numbers as they were. */
    static String withPath(String objectJson, String name, Path file) throws IOException {
        String body = objectJson.strip();
        if (!body.endsWith("}")) {
            throw new IllegalStateException("not a JSON object: " + body);
        }
        String empty = body.substring(1, body.length() - 1).isBlank() ? "" : ",";
        return body.substring(0, body.length() - 1) + empty + quoted(name) + ":" + json().writeValueAsString(file.toString()) + "}";
    }

    /** A refusal told as the API tells it: its error envelope as the last stdout line, its message on stderr; exit 2. */
    int refuse(InvalidRequestException refused) {
        stdout.println(errorEnvelope(refused));
        stderr.println("reelay: refused: " + refused.getMessage());
        return REFUSED;
    }

    /** The API's error envelope for a 400: {@code {"error":{"code","message","type","param"}}}, param only when known. */
    static String errorEnvelope(InvalidRequestException refused) {
        StringBuilder error = new StringBuilder("{\"error\":{\"code\":").append(quoted(refused.code()))
                .append(",\"message\":").append(quoted(refused.getMessage())).append(",\"type\":\"invalid_request_error\"");
        if (refused.field() != null) {
            error.append(",\"param\":").append(quoted(refused.field()));
        }
        return error.append("}}").toString();
    }

    /** A JSON string, by jackson-core alone (no databind: see {@link Json}). */
    private static String quoted(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    static ObjectMapper json() {
        return Json.MAPPER;
    }

    /** The same condition the functions' reelay-log4j2.xml chooses JSON lines by. */
    static boolean jsonLogs() {
        return "json".equalsIgnoreCase(System.getenv("REELAY_LOG_FORMAT")) || "json".equalsIgnoreCase(System.getProperty("reelay.log.format"));
    }

    /**
     * Polls the task as any API client would, every {@link #POLL_INTERVAL}, showing it on {@code display}
     * (which may refresh more often), until it ends, and with a callback URL until its webhook was
     * delivered or given up (the stack stops when this returns). Answers the last GET's answer: the
     * ended task, or the API's refusal.
     */
    private RemoteApi.Answer waitForEnd(RemoteApi api, String taskId, boolean awaitWebhook, ProgressDisplay display, long began)
            throws IOException, InterruptedException {
        JsonNode task = null;
        long nextPoll = System.nanoTime();
        while (System.nanoTime() - began < GENERATE_TIMEOUT.toNanos()) {
            if (System.nanoTime() - nextPoll >= 0) {
                RemoteApi.Answer answer = api.get("/v1/tasks/" + taskId);
                if (!answer.ok()) {
                    return answer;
                }
                task = json().readTree(answer.body());
                nextPoll = System.nanoTime() + POLL_INTERVAL.toNanos();
                if (Cli.ended(task.path("status").asText()) && (!awaitWebhook || webhookSettled(task))) {
                    return answer;
                }
            }
            display.show(taskId, task, since(began));
            Thread.sleep(display.refresh().toMillis());
        }
        throw new RemoteApi.Unavailable("Task " + taskId + " did not end within " + GENERATE_TIMEOUT.toMinutes() + " minutes", null);
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

    int serve(int port, Cli.StackOptions options) throws Exception {
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 0 to 65535, not " + port);
        }
        LocalRuntime.Settings settings = userSettings(port, options);
        StateDirectory.Access access = StateDirectory.await(stateDir, KeysCommand.PATIENCE, stderr);
        if (access.stack() != null) {
            throw new RemoteApi.Unavailable("a local stack already runs on " + stateDir + ": " + access.stack().kind() + ", pid "
                    + access.stack().pid() + ", API at " + access.stack().apiUrl() + "; stop it first", null);
        }
        try (StateDirectory.Ownership owned = access.ownership()) {
            sendStackLogToFile("serve", options, false);
            announceStart();
            return serveOwning(settings);
        }
    }

    /** {@code serve} while this process owns the state directory: the stack, and its keys endpoint published in serve.json. */
    private int serveOwning(LocalRuntime.Settings settings) throws Exception {
        LocalRuntime runtime;
        try {
            runtime = LocalRuntime.start(settings);
        } catch (Exception e) {
            throw new RemoteApi.Unavailable("the local stack did not start: " + e, e);
        }
        KeysAdminEndpoint keys;
        try {
            keys = publishKeysEndpoint(runtime, "serve");
        } catch (IOException | RuntimeException e) {
            runtime.close();
            throw e;
        }
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
            ObjectNode ready = json().createObjectNode();
            ready.put("base_url", base.toString());
            ready.put("api_key", runtime.hasDefaultApiKey() ? runtime.defaultApiKey() : null);
            ready.put("api_key_name", runtime.hasDefaultApiKey() ? DefaultApiKey.NAME : null);
            ready.put("s3_endpoint", runtime.s3().endpoint().toString());
            ready.put("s3_access_key", runtime.s3().accessKey());
            ready.put("s3_secret_key", runtime.s3().secretKey());
            ready.put("uploads_bucket", LocalRuntime.UPLOADS_BUCKET);
            stdout.println(json().writeValueAsString(ready));
            stdout.flush();
            stderr.println("Serving the Reelay API at " + base + " until interrupted (Ctrl-C).");
            stderr.println("The web console: " + base + "/ in a browser; sign in with the API key (docs/console.md). Or try:");
            stderr.println("  export REELAY_API_KEY=" + (runtime.hasDefaultApiKey() ? runtime.defaultApiKey() : "<your key>"));
            stderr.println("  curl -s " + base + "/v1/videos/generations -H \"Authorization: Bearer $REELAY_API_KEY\" "
                    + "-H 'Content-Type: application/json' -d '"
                    + "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"waves\",\"image_start\":\"file:/path/to/image.jpg\",\"duration\":5}'");
            stderr.println("Local S3 at " + runtime.s3().endpoint() + " (region us-east-1, path-style): an image put under s3://"
                    + LocalRuntime.UPLOADS_BUCKET + "/" + LocalRuntime.UPLOADS_PREFIX + "{key-name}/ starts a generation for that key:");
            stderr.println("  " + uploadCurl(runtime));
            stopServing.await();
        } finally {
            StateDirectory.removeRunningStack(stateDir);
            keys.close();
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
     * Lets {@code keys} commands of other processes run on this stack's database client
     * ({@link KeysAdminEndpoint}), and says where in {@code .reelay/serve.json}; the caller owns the
     * state directory and removes the file before it closes the endpoint.
     */
    private KeysAdminEndpoint publishKeysEndpoint(LocalRuntime runtime, String kind) throws IOException {
        KeysAdminEndpoint keys = KeysAdminEndpoint.start(runtime.dynamo().client(), LocalRuntime.TASKS_TABLE);
        try {
            StateDirectory.publish(stateDir, keys.published(kind, runtime.apiBaseUrl()));
        } catch (IOException | RuntimeException e) {
            keys.close();
            throw e;
        }
        return keys;
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

    /**
     * Unless {@code --verbose} or JSON logs ({@code REELAY_LOG_FORMAT=json}, which stay on stderr for
     * tools to read), the local stack's log goes to a new file {@code .reelay/logs/COMMAND-TIME-PID.log},
     * and only its ERROR lines to the terminal too. The engines' banners on System.out go to that file as
     * well. reelay-log4j2.xml reads the properties this sets.
     */
    private void sendStackLogToFile(String command, Cli.StackOptions options, boolean liveLine) throws IOException {
        if (!ownsTheJvm || options.verbose || jsonLogs()) {
            return;
        }
        Path logs = Files.createDirectories(stateDir.resolve("logs"));
        removeOldLogFiles(logs);
        String time = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(java.time.LocalDateTime.now());
        Path file = logs.resolve(command + "-" + time + "-" + ProcessHandle.current().pid() + ".log");
        System.setProperty("reelay.log.file", file.toString());
        if (liveLine) {
            System.setProperty("reelay.log.terminal.prefix", ProgressDisplay.Live.CLEAR_LINE);
        }
        System.setOut(new PrintStream(new java.io.FileOutputStream(file.toFile(), true), true, java.nio.charset.StandardCharsets.UTF_8));
        stackLog = file;
        // Log4j may have started already (LocalRuntime's settings load its logger): it reads its configuration again.
        org.apache.logging.log4j.core.config.Configurator.reconfigure();
    }

    private static void removeOldLogFiles(Path logs) throws IOException {
        List<Path> files;
        try (java.util.stream.Stream<Path> listed = Files.list(logs)) {
            files = listed.filter(file -> file.getFileName().toString().endsWith(".log"))
                    .sorted(java.util.Comparator.comparing(Launcher::lastModified).reversed()).toList();
        }
        for (Path old : files.subList(Math.min(files.size(), LOG_FILES_KEPT - 1), files.size())) {
            Files.deleteIfExists(old);
        }
    }

    private static java.nio.file.attribute.FileTime lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException gone) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private void announceStart() {
        stderr.println("Starting the local stack (state in .reelay/" + (stackLog == null ? "" : "; its log in " + shown(stackLog)
                + ", or on stderr with --verbose") + ") ...");
    }

    /** A path under the working directory as a relative one, which is shorter to read; others as they are. */
    static Path shown(Path file) {
        Path workingDirectory = Path.of("").toAbsolutePath();
        return file.startsWith(workingDirectory) ? workingDirectory.relativize(file) : file;
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

    private LocalRuntime.Settings userSettings(int port, Cli.StackOptions options) {
        SandboxSettings defaults = SandboxSettings.forUsers();
        double renderDelay = options.renderDelay != null ? options.renderDelay : defaults.renderDelay().toMillis() / 1000.0;
        if (renderDelay < 0) {
            throw new UsageException("--render-delay must be at least 0");
        }
        int steps = options.progressSteps != null ? options.progressSteps : defaults.progressSteps();
        if (steps < 1) {
            throw new UsageException("--progress-steps must be at least 1");
        }
        SandboxSettings sandbox = defaults.withTiming(Duration.ofMillis(Math.round(1000 * renderDelay)), steps);
        Map<String, Integer> caps;
        try {
            caps = QueuePolicy.parseCaps(options.maxConcurrency.isEmpty() ? null : String.join(";", options.maxConcurrency));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + MAX_CONCURRENCY + ": " + e.getMessage());
        }
        return new LocalRuntime.Settings(stateDir, sandbox,
                new PollingPolicy(1, 3, 1.5, Duration.ofMinutes(10), 300), port, System.getenv(), options.allowLocalWebhooks)
                .withMaxConcurrency(caps);
    }

    /** {@code --name value} options; every name must be known (the {@code keys} commands' own rules). */
    record Options(Map<String, String> values) {
        private static final List<String> FLAGS = List.of(ALLOW_LOCAL_WEBHOOKS, "rotate");
        private static final List<String> REPEATABLE = List.of(MAX_CONCURRENCY);

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
