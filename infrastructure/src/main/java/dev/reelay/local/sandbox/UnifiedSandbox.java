package dev.reelay.local.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for the unified aggregator's (EvoLink's) Kling v3 video API: the same routes, bearer
 * authentication, validation, task object and error envelope, with results that are real H.264 MP4 files
 * rendered from the request's frames.
 */
public final class UnifiedSandbox implements AutoCloseable {
    static final String FILES_PATH = "/v1/files/";
    private static final String CREATE_PATH = "/v1/videos/generations";
    private static final String TASKS_PATH = "/v1/tasks/";
    private static final String VIDEO_SUFFIX = ".mp4";
    private static final String TASK_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final int HTTP_THREADS = 4;
    private static final int RENDER_THREADS = 2;
    private static final Logger log = LoggerFactory.getLogger(UnifiedSandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxSettings settings;
    private final Mp4Renderer renderer;
    private final ImageFetcher images = new ImageFetcher();
    private final HttpServer server;
    private final URI baseUrl;
    private final Path videoDirectory;
    private final ExecutorService httpThreads = Executors.newFixedThreadPool(HTTP_THREADS, daemonThreads("unified-sandbox-http-"));
    private final ExecutorService renderThreads = Executors.newFixedThreadPool(RENDER_THREADS, daemonThreads("unified-sandbox-render-"));
    private final Map<String, SandboxTask> tasks = new ConcurrentHashMap<>();
    private final List<String> taskIds = new CopyOnWriteArrayList<>();
    private final AtomicInteger createRequests = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SandboxFaults faults = new SandboxFaults();

    private UnifiedSandbox(SandboxSettings settings, Mp4Renderer renderer, HttpServer server, Path videoDirectory) {
        this.settings = settings;
        this.renderer = renderer;
        this.server = server;
        this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        this.videoDirectory = videoDirectory;
        server.createContext("/", this::handle);
        server.setExecutor(httpThreads);
    }

    /** Starts the sandbox on 127.0.0.1 at a free port. */
    public static UnifiedSandbox start(SandboxSettings settings) throws IOException {
        Mp4Renderer renderer = new Mp4Renderer(settings.longSidePixels(), settings.framesPerSecond());
        Path videoDirectory = Files.createTempDirectory("reelay-unified-sandbox-");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            Files.delete(videoDirectory);
            throw e;
        }
        UnifiedSandbox sandbox = new UnifiedSandbox(settings, renderer, server, videoDirectory);
        server.start();
        log.info("Unified aggregator sandbox listening on {} ({}px, {} fps, delay {})", sandbox.baseUrl,
                settings.longSidePixels(), settings.framesPerSecond(), settings.renderDelay());
        return sandbox;
    }

    public URI baseUrl() {
        return baseUrl;
    }

    public String apiKey() {
        return settings.apiKey();
    }

    /** How many {@code POST /v1/videos/generations} reached the sandbox, accepted or not. */
    public int createRequests() {
        return createRequests.get();
    }

    /** Faults to script into this sandbox. */
    public SandboxFaults faults() {
        return faults;
    }

    /** The ids of the tasks it accepted, in order. */
    public List<String> taskIds() {
        return List.copyOf(taskIds);
    }

    /** Stops serving, stops rendering and deletes every video. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        httpThreads.shutdownNow();
        renderThreads.shutdownNow();
        try {
            if (!renderThreads.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Renders still running after 5 s; deleting {} anyway", videoDirectory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteVideos();
        log.info("Unified aggregator sandbox on {} closed", baseUrl);
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                route(exchange);
            } catch (ApiError error) {
                log.info("Refused {} {} with {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        error.status(), error.getMessage());
                respondJson(exchange, error.status(), error.body());
            } catch (RuntimeException e) {
                log.error("Sandbox failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                if (exchange.getResponseCode() == -1) {
                    respondJson(exchange, 500, ApiError.internal("Sandbox error: " + e).body());
                }
            }
        } catch (IOException e) {
            log.warn("Sandbox could not answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private void route(HttpExchange exchange) throws ApiError, IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (method.equals("POST") && path.equals(CREATE_PATH)) {
            createRequests.incrementAndGet();
            authorize(exchange);
            Optional<SandboxFaults.Refusal> refusal = faults.nextSubmissionRefusal();
            if (refusal.isPresent()) {
                throw ApiError.scripted(refusal.get());
            }
            create(exchange);
        } else if (method.equals("GET") && path.startsWith(TASKS_PATH)) {
            authorize(exchange);
            showTask(exchange, path.substring(TASKS_PATH.length()));
        } else if (method.equals("GET") && path.startsWith(FILES_PATH) && path.endsWith(VIDEO_SUFFIX)) {
            // Like a CDN link, a result URL works without the API key.
            sendVideo(exchange, path.substring(FILES_PATH.length(), path.length() - VIDEO_SUFFIX.length()));
        } else {
            throw ApiError.notFound("not_found", "No route for " + method + " " + path);
        }
    }

    private void authorize(HttpExchange exchange) throws ApiError {
        if (!("Bearer " + settings.apiKey()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            throw ApiError.invalidApiKey();
        }
    }

    private void create(HttpExchange exchange) throws ApiError, IOException {
        GenerationRequest request = GenerationRequest.parse(readJsonObject(exchange));
        Optional<BufferedImage> firstFrame = fetchImage("image_start", request.imageStart());
        Optional<BufferedImage> lastFrame = fetchImage("image_end", request.imageEnd());
        SandboxTask task = register(request);
        Optional<SandboxFaults.LateFailure> lateFailure = faults.nextLateFailure();
        if (lateFailure.isPresent()) {
            task.failsAfterDelay(lateFailure.get().code(), lateFailure.get().message());
        } else {
            renderThreads.execute(() -> render(task, firstFrame, lastFrame));
        }
        log.info("Accepted {}: {}, {} s, {}, sound {}", task.id(), request.model().id, request.durationSeconds(),
                request.quality().label, request.sound() ? "on" : "off");
        respondJson(exchange, 200, task.toJson(baseUrl));
    }

    private static JsonNode readJsonObject(HttpExchange exchange) throws ApiError, IOException {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody());
        } catch (JsonProcessingException e) {
            throw ApiError.invalidRequest("Request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiError.invalidRequest("Request body must be a JSON object");
        }
        return body;
    }

    private Optional<BufferedImage> fetchImage(String field, Optional<URI> url) throws ApiError {
        return url.isPresent() ? Optional.of(images.fetch(field, url.get())) : Optional.empty();
    }

    private SandboxTask register(GenerationRequest request) {
        long created = Instant.now().getEpochSecond();
        while (true) {
            SandboxTask task = new SandboxTask(newTaskId(created), created, request, settings.renderDelay(), settings.progressSteps());
            if (tasks.putIfAbsent(task.id(), task) == null) {
                taskIds.add(task.id());
                return task;
            }
        }
    }

    private static String newTaskId(long created) {
        StringBuilder id = new StringBuilder("task-unified-").append(created).append('-');
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 8; i++) {
            id.append(TASK_ID_ALPHABET.charAt(random.nextInt(TASK_ID_ALPHABET.length())));
        }
        return id.toString();
    }

    private void render(SandboxTask task, Optional<BufferedImage> firstFrame, Optional<BufferedImage> lastFrame) {
        GenerationRequest request = task.request();
        AspectRatio aspectRatio = request.aspectRatio().orElseGet(() -> firstFrame
                .map(image -> AspectRatio.nearestTo(image.getWidth(), image.getHeight()))
                .orElse(AspectRatio.LANDSCAPE));
        Path video = videoDirectory.resolve(task.id() + VIDEO_SUFFIX);
        long started = System.nanoTime();
        try {
            BufferedImage start = firstFrame.orElseGet(() -> TextToVideoBackdrop.paint(request.prompt(), renderer.frameSize(aspectRatio)));
            renderer.render(start, lastFrame, aspectRatio, request.durationSeconds(), video);
            log.info("Rendered {} ({} s at {}) in {} ms", task.id(), request.durationSeconds(),
                    aspectRatio.label(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            task.rendered(video);
        } catch (InterruptedIOException e) {
            log.info("Stopped rendering {}: the sandbox is closing", task.id());
            task.failed("Rendering was stopped");
        } catch (IOException | RuntimeException e) {
            log.error("Rendering {} to {} failed", task.id(), video, e);
            task.failed("Rendering failed: " + e.getMessage());
        }
    }

    private void showTask(HttpExchange exchange, String id) throws ApiError, IOException {
        SandboxTask task = tasks.get(id);
        if (task == null) {
            throw ApiError.notFound("task_not_found", "Task " + id + " does not exist");
        }
        respondJson(exchange, 200, task.toJson(baseUrl));
    }

    private void sendVideo(HttpExchange exchange, String id) throws ApiError, IOException {
        Optional<Path> video = Optional.ofNullable(tasks.get(id)).flatMap(SandboxTask::video);
        if (video.isEmpty()) {
            throw ApiError.notFound("file_not_found", "No video " + id + VIDEO_SUFFIX);
        }
        exchange.getResponseHeaders().set("Content-Type", "video/mp4");
        exchange.sendResponseHeaders(200, Files.size(video.get()));
        try (OutputStream body = exchange.getResponseBody()) {
            Files.copy(video.get(), body);
        }
    }

    private static void respondJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void deleteVideos() {
        try (Stream<Path> paths = Files.walk(videoDirectory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    log.warn("Could not delete {}", path, e);
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete the sandbox's videos in {}", videoDirectory, e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
