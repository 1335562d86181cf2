package dev.reelay.local.lambda;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.LoopbackHttpServer;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
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
 */
public final class LambdaInvokeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LambdaInvokeServer.class);
    private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, RequestStreamHandler> functions = new ConcurrentHashMap<>();
    private LoopbackHttpServer server;

    private LambdaInvokeServer() {
    }

    public static LambdaInvokeServer start() throws IOException {
        LambdaInvokeServer invoke = new LambdaInvokeServer();
        invoke.server = LoopbackHttpServer.start("lambda-invoke", 0, invoke::invoke);
        return invoke;
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
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (InputStream input = new ByteArrayInputStream(payload)) {
                handler.handleRequest(input, output, new LocalContext(name));
                respond(exchange, 200, output.toByteArray());
            } catch (Exception | Error failure) {
                LOG.warn("Function {} failed: {}", name, failure.toString(), failure);
                exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                respond(exchange, 200, JSON.writeValueAsBytes(errorBody(failure)));
            }
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
    }
}
