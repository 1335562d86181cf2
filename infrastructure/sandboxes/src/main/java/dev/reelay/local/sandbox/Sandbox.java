package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for one vendor's video API, speaking its {@link Dialect} over HTTP or HTTPS on 127.0.0.1 at
 * a free port. Results are real H.264 MP4 files rendered from the request's frames.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dialect dialect;
    private final HttpServer server;
    private final Optional<SelfSignedTls> tls;
    private final URI baseUrl;
    private final PathTemplate videoPath;
    private final List<Route> routes;
    private final SandboxFaults faults = new SandboxFaults();
    private final Callbacks callbacks;
    private final TaskRegistry tasks;
    private final ExecutorService httpThreads;
    private final AtomicInteger createRequests = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Sandbox(Dialect dialect, SandboxSettings settings, HttpServer server, Optional<SelfSignedTls> tls) throws IOException {
        this.dialect = dialect;
        this.server = server;
        this.tls = tls;
        this.baseUrl = URI.create((tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort());
        if (!dialect.videoPathTemplate().contains("{id}")) {
            throw new IllegalArgumentException(dialect.name() + "'s video path has no {id}: " + dialect.videoPathTemplate());
        }
        this.videoPath = new PathTemplate(dialect.videoPathTemplate());
        this.routes = List.copyOf(dialect.routes());
        this.callbacks = new Callbacks(dialect, faults);
        try {
            this.tasks = new TaskRegistry(dialect, settings, faults, callbacks, id -> baseUrl.resolve(videoPath.expand("id", id)));
        } catch (IOException e) {
            callbacks.close();
            throw e;
        }
        // Unbounded: scripted slow answers hold their thread for the whole delay.
        this.httpThreads = Executors.newCachedThreadPool(daemonThreads(dialect.name() + "-sandbox-http-"));
        server.setExecutor(httpThreads);
        server.createContext("/", this::handle);
    }

    /** Starts a sandbox for the dialect; with tls, over HTTPS with a fresh self-signed certificate (see {@link #caPemPath()}). */
    public static Sandbox start(Dialect dialect, SandboxSettings settings, boolean tls) throws IOException {
        Optional<SelfSignedTls> certificate = tls ? Optional.of(SelfSignedTls.generate()) : Optional.empty();
        HttpServer server = null;
        Sandbox sandbox;
        try {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
            server = certificate.isPresent() ? HttpsServer.create(address, 0) : HttpServer.create(address, 0);
            if (server instanceof HttpsServer https) {
                https.setHttpsConfigurator(new HttpsConfigurator(certificate.get().sslContext()));
            }
            sandbox = new Sandbox(dialect, settings, server, certificate);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.stop(0);
            }
            certificate.ifPresent(SelfSignedTls::delete);
            throw e;
        }
        server.start();
        log.info("{} sandbox listening on {} ({}px, {} fps, delay {}, {})", dialect.name(), sandbox.baseUrl,
                settings.longSidePixels(), settings.framesPerSecond(), settings.renderDelay(),
                settings.maxParallelTasks() == SandboxSettings.UNLIMITED ? "no concurrency limit"
                        : "at most " + settings.maxParallelTasks() + " parallel jobs");
        return sandbox;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** One of the credentials a client needs, e.g. {@code api_key} or Kling's {@code access_key}. */
    public String credential(String field) {
        String value = dialect.credentials().get(field);
        if (value == null) {
            throw new IllegalArgumentException(dialect.name() + " has no credential '" + field + "'");
        }
        return value;
    }

    public URI baseUrl() {
        return baseUrl;
    }

    /** The certificate to trust (PEM), when serving HTTPS; deleted on {@link #close()}. */
    public Optional<Path> caPemPath() {
        return tls.map(SelfSignedTls::certificatePem);
    }

    /** How many calls reached the dialect's submission routes, accepted or not. */
    public int createRequests() {
        return createRequests.get();
    }

    /** The ids of the tasks it accepted, in order. */
    public List<String> taskIds() {
        return tasks.ids();
    }

    /** Jobs submitted and not finished yet: each holds one of the slots {@link SandboxSettings#maxParallelTasks()} allows. */
    public int runningJobs() {
        return tasks.runningJobs();
    }

    /** The most jobs that ever ran at once in this sandbox, as a vendor would have counted them against its limit. */
    public int peakParallelJobs() {
        return tasks.peakParallelJobs();
    }

    /** Faults to script into this sandbox. */
    public SandboxFaults faults() {
        return faults;
    }

    /** Stops serving, rendering and calling back, and deletes every video and the certificate. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        httpThreads.shutdownNow();
        callbacks.close();
        tasks.close();
        tls.ifPresent(SelfSignedTls::delete);
        log.info("{} sandbox on {} closed; at most {} jobs ran at once", dialect.name(), baseUrl, tasks.peakParallelJobs());
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                Duration delay = faults.nextResponseDelay();
                if (!delay.isZero()) {
                    log.info("Holding the answer to {} {} for {} (scripted fault)", exchange.getRequestMethod(),
                            exchange.getRequestURI().getPath(), delay);
                    Thread.sleep(delay.toMillis());
                }
                answer(exchange);
            } catch (ApiError error) {
                log.info("Refused {} {} with {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        error.status(), error.getMessage());
                respondJson(exchange, error.status(), dialect.errorBody(error));
            } catch (RuntimeException e) {
                log.error("Sandbox failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                if (exchange.getResponseCode() == -1) {
                    respondJson(exchange, 500, dialect.errorBody(ApiError.internal("Sandbox error: " + e)));
                }
            } catch (InterruptedException e) {
                log.info("Dropped {} {} unanswered: the sandbox is closing", exchange.getRequestMethod(), exchange.getRequestURI());
                Thread.currentThread().interrupt();
            }
        } catch (IOException e) {
            log.warn("Sandbox could not answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private void answer(HttpExchange exchange) throws ApiError, IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        Optional<Map<String, String>> video = method.equals("GET") ? videoPath.match(path) : Optional.empty();
        if (video.isPresent()) {
            sendVideo(exchange, video.get().get("id"));
            return;
        }
        for (Route route : routes) {
            Optional<Map<String, String>> params = route.match(method, path);
            if (params.isPresent()) {
                Call call = new Call(exchange, params.get());
                if (route.isSubmission()) {
                    createRequests.incrementAndGet();
                }
                dialect.authenticate(call);
                if (route.isSubmission()) {
                    Optional<SandboxFaults.Refusal> refusal = faults.nextSubmissionRefusal();
                    if (refusal.isPresent()) {
                        throw ApiError.scripted(refusal.get());
                    }
                }
                respondJson(exchange, 200, route.handler().answer(call, tasks));
                return;
            }
        }
        throw ApiError.noRoute("No route for " + method + " " + path);
    }

    private void sendVideo(HttpExchange exchange, String id) throws ApiError, IOException {
        Path video = tasks.video(id).orElseThrow(() -> ApiError.fileNotFound("No video " + exchange.getRequestURI().getPath()));
        long size = Files.size(video);
        exchange.getResponseHeaders().set("Content-Type", "video/mp4");
        exchange.sendResponseHeaders(200, size);
        OutputStream body = exchange.getResponseBody();
        if (faults.takeTruncatedDownload()) {
            byte[] bytes = Files.readAllBytes(video);
            body.write(bytes, 0, bytes.length / 2);
            body.flush();
            // Closing the exchange with bytes still owed makes the server drop the connection.
            log.info("Cut the download of {} after {} of {} bytes (scripted fault)", id, bytes.length / 2, bytes.length);
            return;
        }
        try (body) {
            Files.copy(video, body);
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

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Deletes a directory and everything in it, logging (not failing on) what cannot be deleted. */
    static void deleteTree(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    log.warn("Could not delete {}", path, e);
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}", directory, e);
        }
    }
}
