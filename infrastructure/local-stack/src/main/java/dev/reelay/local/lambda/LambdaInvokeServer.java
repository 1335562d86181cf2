package dev.reelay.local.lambda;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.LoopbackHttpServer;
import dev.reelay.local.calls.AwsResource;
import dev.reelay.local.calls.CallLedger;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}) for the local
 * stack: runs the same handler classes AWS runs, in this JVM. A handler that throws answers the
 * way Lambda does: {@code X-Amz-Function-Error: Unhandled} and an {@code errorType} that is the
 * exception's fully-qualified class name, which is what the state machine's Retry and Catch match.
 * <p>
 * {@code X-Amz-Invocation-Type: Event} invokes asynchronously, as S3 notifications do: the answer
 * is 202 at once, the handler runs on another thread, and a failed run is retried twice (after
 * {@link #asyncRetryDelays}, short here; about 1 and 2 minutes in AWS) before the event is given
 * up: sent to the function's dead-letter queue, when it has one ({@link #deadLetterQueue}), as AWS
 * sends it to the queue of the function's {@code DeadLetterQueue}, and logged as an error.
 * <p>
 * With a recording {@link CallLedger}, each run is one of its function ({@link CallLedger#within}),
 * and each synchronous invocation is a {@code lambda:InvokeFunction} of the synchronous caller
 * (locally, only the state machine invokes synchronously; S3 invokes asynchronously, with the
 * function's resource policy rather than a role).
 */
public final class LambdaInvokeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LambdaInvokeServer.class);
    private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The waits before the second and third attempts of an asynchronous invocation. */
    public static final List<Duration> DEFAULT_ASYNC_RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2));

    /** Where a function's asynchronous events go once every attempt failed, as Lambda's {@code DeadLetterConfig}. */
    @FunctionalInterface
    public interface DeadLetterQueue {
        /**
         * @param event      the event exactly as it was sent to the function
         * @param attributes as Lambda sets them on the SQS message: {@code RequestID}, {@code ErrorCode},
         *                   {@code ErrorMessage} (the last failure's message, at most 1 KB)
         */
        void send(byte[] event, Map<String, String> attributes);
    }

    private final Map<String, RequestStreamHandler> functions = new ConcurrentHashMap<>();
    private final Map<String, DeadLetterQueue> deadLetterQueues = new ConcurrentHashMap<>();
    private final List<Duration> asyncRetryDelays;
    private final CallLedger ledger;
    private final java.util.function.UnaryOperator<String> synchronousCaller;
    private final ScheduledExecutorService asyncRuns = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "lambda-async");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient selfClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LoopbackHttpServer server;

    private LambdaInvokeServer(List<Duration> asyncRetryDelays, CallLedger ledger,
                               java.util.function.UnaryOperator<String> synchronousCaller) {
        this.asyncRetryDelays = List.copyOf(asyncRetryDelays);
        this.ledger = ledger;
        this.synchronousCaller = synchronousCaller;
    }

    public static LambdaInvokeServer start() throws IOException {
        return start(DEFAULT_ASYNC_RETRY_DELAYS);
    }

    /** @param asyncRetryDelays the waits before each retry of a failed asynchronous invocation (two in AWS) */
    public static LambdaInvokeServer start(List<Duration> asyncRetryDelays) throws IOException {
        return start(asyncRetryDelays, CallLedger.off(), null);
    }

    /**
     * @param ledger            where each run's AWS calls are attributed to its function
     * @param synchronousCaller the principal whose role makes the synchronous invocations of a function
     *                          (the state machine whose Task states name it), recorded as its
     *                          {@code lambda:InvokeFunction}; null for none
     */
    public static LambdaInvokeServer start(List<Duration> asyncRetryDelays, CallLedger ledger,
                                           java.util.function.UnaryOperator<String> synchronousCaller)
            throws IOException {
        LambdaInvokeServer invoke = new LambdaInvokeServer(asyncRetryDelays, ledger, synchronousCaller);
        invoke.server = LoopbackHttpServer.start("lambda-invoke", 0, invoke::invoke);
        return invoke;
    }

    /**
     * A sender of events to a function by asynchronous invocation over this endpoint, as an S3
     * bucket notification sends them to Lambda: each payload is accepted (202) or the call throws.
     */
    public Consumer<byte[]> asyncInvoker(String functionName) {
        URI target = endpoint().resolve("/2015-03-31/functions/" + functionName + "/invocations");
        return payload -> {
            try {
                HttpResponse<String> answer = selfClient.send(HttpRequest.newBuilder(target)
                        .header("X-Amz-Invocation-Type", "Event").header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 202) {
                    throw new IllegalStateException("Invoke of " + functionName + " answered " + answer.statusCode() + ": " + answer.body());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Invoke of " + functionName + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while invoking " + functionName, e);
            }
        };
    }

    /** Gives a function a dead-letter queue for the asynchronous events it failed on every attempt. */
    public void deadLetterQueue(String functionName, DeadLetterQueue queue) {
        deadLetterQueues.put(functionName, queue);
    }

    /** Deploys a function under its name (the last part of its ARN). */
    public void register(String functionName, RequestStreamHandler handler) {
        functions.put(functionName, handler);
    }

    public URI endpoint() {
        return server.baseUrl();
    }

    private void invoke(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher path = INVOKE.matcher(exchange.getRequestURI().getPath());
            String name = path.matches() ? functionName(path.group(1)) : null;
            RequestStreamHandler handler = name == null ? null : functions.get(name);
            if (!"POST".equals(exchange.getRequestMethod()) || handler == null) {
                exchange.getResponseHeaders().add("x-amzn-ErrorType", "ResourceNotFoundException");
                respond(exchange, 404, JSON.writeValueAsBytes(Map.of("Type", "User",
                        "Message", "Function not found: " + exchange.getRequestURI().getPath())));
                return;
            }
            byte[] payload = exchange.getRequestBody().readAllBytes();
            if ("Event".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type"))) {
                String requestId = UUID.randomUUID().toString();
                exchange.getResponseHeaders().add("x-amzn-RequestId", requestId);
                exchange.sendResponseHeaders(202, -1);
                asyncRuns.execute(() -> runAsync(name, handler, payload, requestId, 1));
                return;
            }
            if (synchronousCaller != null) {
                ledger.recordAs(synchronousCaller.apply(name), "lambda:InvokeFunction", AwsResource.function(name));
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (InputStream input = new ByteArrayInputStream(payload)) {
                run(name, handler, input, output);
                respond(exchange, 200, output.toByteArray());
            } catch (Exception | Error failure) {
                LOG.warn("Function {} failed: {}", name, failure.toString(), failure);
                exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                respond(exchange, 200, JSON.writeValueAsBytes(errorBody(failure)));
            }
        }
    }

    private void runAsync(String name, RequestStreamHandler handler, byte[] payload, String requestId, int attempt) {
        try (InputStream input = new ByteArrayInputStream(payload)) {
            run(name, handler, input, new ByteArrayOutputStream());
        } catch (Exception | Error failure) {
            if (attempt > asyncRetryDelays.size()) {
                giveUp(name, payload, requestId, attempt, failure);
                return;
            }
            Duration delay = asyncRetryDelays.get(attempt - 1);
            LOG.warn("Function {} failed asynchronous event {} (attempt {}): {}; retrying in {} ms", name, requestId, attempt,
                    failure.toString(), delay.toMillis());
            try {
                asyncRuns.schedule(() -> runAsync(name, handler, payload, requestId, attempt + 1), delay.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                LOG.warn("The local Lambda endpoint stopped before event {} of {} could be retried", requestId, name);
            }
        }
    }

    private void run(String name, RequestStreamHandler handler, InputStream input, ByteArrayOutputStream output) throws IOException {
        ledger.within(name, () -> {
            handler.handleRequest(input, output, new LocalContext(name));
            return null;
        });
    }

    private void giveUp(String name, byte[] payload, String requestId, int attempts, Throwable failure) {
        DeadLetterQueue queue = deadLetterQueues.get(name);
        String event = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        if (queue == null) {
            LOG.error("Function {} failed asynchronous event {} {} times; the event is given up (it has no dead-letter "
                    + "queue): {}", name, requestId, attempts, event, failure);
            return;
        }
        String message = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
        try {
            // ErrorCode is the invocation's HTTP status: 200 for a function error, as Lambda sets it.
            queue.send(payload, Map.of("RequestID", requestId, "ErrorCode", "200",
                    "ErrorMessage", message.length() > 1024 ? message.substring(0, 1024) : message));
            LOG.error("Function {} failed asynchronous event {} {} times; the event went to its dead-letter queue: {}",
                    name, requestId, attempts, event, failure);
        } catch (RuntimeException queueFailure) {
            LOG.error("Function {} failed asynchronous event {} {} times and its dead-letter queue refused it ({}); "
                    + "the event is lost: {}", name, requestId, attempts, queueFailure.toString(), event, failure);
        }
    }

    /** Accepts a bare name or a function ARN, with or without a version or alias qualifier. */
    private static String functionName(String nameOrArn) {
        String decoded = java.net.URLDecoder.decode(nameOrArn, java.nio.charset.StandardCharsets.UTF_8);
        int marker = decoded.indexOf(":function:");
        String name = marker < 0 ? decoded : decoded.substring(marker + ":function:".length());
        int qualifier = name.indexOf(':');
        return qualifier < 0 ? name : name.substring(0, qualifier);
    }

    /** What the Java runtime reports for an uncaught exception. */
    private static Map<String, Object> errorBody(Throwable failure) {
        Map<String, Object> body = new LinkedHashMap<>();
        String message = failure.getLocalizedMessage();
        body.put("errorMessage", message == null ? failure.getClass().getName() : message);
        body.put("errorType", failure.getClass().getName());
        body.put("stackTrace", Arrays.stream(failure.getStackTrace()).limit(20).map(StackTraceElement::toString).toList());
        return body;
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        LoopbackHttpServer.respond(exchange, status, "application/json", body);
    }

    @Override
    public void close() {
        server.close();
        asyncRuns.shutdownNow();
    }
}
