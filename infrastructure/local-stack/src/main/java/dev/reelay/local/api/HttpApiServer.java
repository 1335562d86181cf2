package dev.reelay.local.api;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.reelay.local.LoopbackHttpServer;
import dev.reelay.local.calls.CallLedger;
import dev.reelay.local.lambda.LocalArns;
import dev.reelay.local.lambda.LocalContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API Gateway (HTTP API, payload format 2.0) for the local stack: each HTTP request becomes an
 * {@link APIGatewayV2HTTPEvent} for the route's handler, and its response becomes the HTTP answer.
 * <p>
 * Routes are authorized by default, as the template's default authorizer does: the request's
 * {@code Authorization} header goes to the Lambda authorizer (payload format 2.0, simple
 * responses) first, its decision is cached per header value for the authorizer's TTL
 * ({@code ReauthorizeEvery}), and API Gateway's own answers are given: 401 {@code Unauthorized}
 * without the header (the authorizer is not called), 403 {@code Forbidden} when it answers
 * {@code isAuthorized: false}, 500 when it fails. An allowed request carries the authorizer's
 * context in {@code requestContext.authorizer.lambda}. (Reelay's authorizer lets every request with
 * a header through, and the route's handler answers a bad key with a 401 in the error envelope.)
 * <p>
 * A request body over API Gateway's payload limit ({@value #MAX_BODY_BYTES} bytes, 10 MB) is
 * refused with 413 before anything else, by its {@code Content-Length} or, for a chunked body, once
 * more than the limit has been read; the rest is never kept (a bounded amount of it is read and
 * thrown away, so that the client sees the answer). API Gateway's own 413 carries only a message;
 * here it is the error envelope with {@code request_too_large}.
 * <p>
 * With a recording {@link CallLedger}, the authorizer's and each route's runs are those functions'
 * ({@link CallLedger#within}), so that their AWS calls are attributed to them.
 */
public final class HttpApiServer implements AutoCloseable {
    /** API Gateway's payload limit for HTTP APIs, 10 MB (not adjustable). */
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /** How much more of a refused body is read, and thrown away, so that the client can read the 413. */
    private static final long LINGER_BYTES = 32L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /**
     * A route such as {@code GET /v1/tasks/{id}}, served by a function; an {@code authorized} one
     * goes through the API's authorizer first.
     */
    public record Route(String method, String path, String functionName,
                        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, boolean authorized) {
        /** An authorized route: every route is, unless it opts out like the template's {@code Auth: {Authorizer: NONE}}. */
        public Route(String method, String path, String functionName,
                     RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
            this(method, path, functionName, handler, true);
        }

        /** A route without the authorizer, such as the vendors' callbacks (their secret is in the path). */
        public static Route unauthenticated(String method, String path, String functionName,
                                            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
            return new Route(method, path, functionName, handler, false);
        }

        String routeKey() {
            return method + " " + path;
        }

        /** The path parameters when the path matches, else null. */
        Map<String, String> match(String requestMethod, String requestPath) {
            String[] pattern = path.split("/", -1);
            String[] actual = requestPath.split("/", -1);
            if (!method.equals(requestMethod) || pattern.length != actual.length) {
                return null;
            }
            Map<String, String> parameters = new HashMap<>();
            for (int i = 0; i < pattern.length; i++) {
                if (pattern[i].startsWith("{") && pattern[i].endsWith("}") && !actual[i].isEmpty()) {
                    parameters.put(pattern[i].substring(1, pattern[i].length() - 1), actual[i]);
                } else if (!pattern[i].equals(actual[i])) {
                    return null;
                }
            }
            return parameters;
        }
    }

    /**
     * The HTTP API's Lambda authorizer, with identity source {@code $request.header.Authorization}.
     *
     * @param cacheTtl how long a decision is reused for the same header value ({@code ReauthorizeEvery}); zero for never
     */
    public record Authorizer(String functionName,
                             RequestHandler<APIGatewayV2CustomAuthorizerEvent, SimpleIAMPolicyResponse> handler,
                             Duration cacheTtl) {
    }

    private record CachedDecision(long expiresAtNanos, SimpleIAMPolicyResponse decision) {
    }

    private final Authorizer authorizer;
    private final List<Route> routes;
    private final CallLedger ledger;
    private final Map<String, CachedDecision> decisions = new ConcurrentHashMap<>();
    private LoopbackHttpServer server;

    private HttpApiServer(Authorizer authorizer, List<Route> routes, CallLedger ledger) {
        this.authorizer = authorizer;
        this.routes = List.copyOf(routes);
        this.ledger = ledger;
    }

    /**
     * @param port       the port to listen on, or 0 for any free one
     * @param authorizer in front of every authorized route; null only when no route is authorized
     */
    public static HttpApiServer start(int port, Authorizer authorizer, List<Route> routes) throws IOException {
        return start(port, authorizer, CallLedger.off(), routes);
    }

    /** @param ledger where the authorizer's and the routes' AWS calls are attributed to their functions */
    public static HttpApiServer start(int port, Authorizer authorizer, CallLedger ledger, List<Route> routes) throws IOException {
        if (authorizer == null && routes.stream().anyMatch(Route::authorized)) {
            throw new IllegalArgumentException("Authorized routes need an authorizer");
        }
        HttpApiServer api = new HttpApiServer(authorizer, routes, ledger);
        api.server = LoopbackHttpServer.start("http-api", port, api::serve);
        return api;
    }

    public URI baseUrl() {
        return server.baseUrl();
    }

    /** The routes served, as API Gateway writes route keys: {@code GET /v1/tasks/{id}}. */
    public List<String> routeKeys() {
        return routes.stream().map(Route::routeKey).toList();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = boundedBody(exchange);
            if (body == null) {
                tooLarge(exchange);
                return;
            }
            for (Route route : routes) {
                Map<String, String> parameters = route.match(method, path);
                if (parameters != null) {
                    APIGatewayV2HTTPEvent event = toEvent(exchange, route, parameters, body);
                    if (route.authorized() && !authorize(exchange, route, event)) {
                        return;
                    }
                    APIGatewayV2HTTPResponse response = ledger.within(route.functionName(),
                            () -> route.handler().handleRequest(event, new LocalContext(route.functionName())));
                    write(exchange, response);
                    return;
                }
            }
            byte[] notFound = ("{\"error\":{\"code\":\"route_not_found\",\"message\":\"No route " + method + " "
                    + path.replace("\"", "") + "\",\"type\":\"not_found_error\"}}").getBytes(StandardCharsets.UTF_8);
            LoopbackHttpServer.respond(exchange, 404, "application/json", notFound);
        } catch (RuntimeException e) {
            LOG.error("Local API failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            exchange.sendResponseHeaders(500, -1);
        }
    }

    /**
     * The request's body, or null when it is over {@link #MAX_BODY_BYTES}: judged by its
     * {@code Content-Length} without reading it, or, without one (chunked), by reading no more than
     * one byte past the limit.
     */
    private static byte[] boundedBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY_BYTES) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The JDK server has already refused a malformed length; nothing to judge here.
            }
        }
        byte[] raw = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        return raw.length > MAX_BODY_BYTES ? null : raw;
    }

    /**
     * 413 in the error envelope, then the connection is closed. Before closing, what the client
     * still sends is read and thrown away, up to {@link #LINGER_BYTES} (nothing of it is kept):
     * closing a socket with unread data resets it, and the client would lose the answer.
     */
    private static void tooLarge(HttpExchange exchange) throws IOException {
        LOG.info("Refused a body over {} bytes on {} {}", MAX_BODY_BYTES, exchange.getRequestMethod(), exchange.getRequestURI().getPath());
        byte[] body = JSON.writeValueAsBytes(Map.of("error", Map.of("code", "request_too_large",
                "message", "The request body is larger than 10 MB (" + MAX_BODY_BYTES + " bytes), API Gateway's limit.",
                "type", "invalid_request_error")));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Connection", "close");
        exchange.sendResponseHeaders(413, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
            out.flush();
            discard(exchange.getRequestBody());
        }
    }

    private static void discard(InputStream in) {
        byte[] buffer = new byte[64 * 1024];
        long left = LINGER_BYTES;
        try {
            for (int read; left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
                left -= read;
            }
        } catch (IOException e) {
            // The client gave up; the connection is closed anyway.
        }
    }

    /**
     * Runs the authorizer for the request as API Gateway does; false when the request was answered
     * here (401, 403 or 500). When allowed, the authorizer's context is put into the route's event.
     */
    private boolean authorize(HttpExchange exchange, Route route, APIGatewayV2HTTPEvent event) throws IOException {
        String authorization = event.getHeaders().get("authorization");
        if (authorization == null || authorization.isBlank()) {
            gatewayAnswer(exchange, 401, "Unauthorized");
            return false;
        }
        SimpleIAMPolicyResponse decision;
        try {
            decision = decide(authorization, route, event);
        } catch (RuntimeException e) {
            LOG.error("The authorizer {} failed on {}", authorizer.functionName(), route.routeKey(), e);
            gatewayAnswer(exchange, 500, "Internal Server Error");
            return false;
        }
        if (!decision.getIsAuthorized()) {
            gatewayAnswer(exchange, 403, "Forbidden");
            return false;
        }
        Map<String, Object> context = new LinkedHashMap<>(decision.getContext() == null ? Map.of() : decision.getContext());
        event.getRequestContext().setAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withLambda(context).build());
        return true;
    }

    /** The authorizer's decision for this header value: from the cache while it is fresh, else asked anew. */
    private SimpleIAMPolicyResponse decide(String authorization, Route route, APIGatewayV2HTTPEvent event) {
        long now = System.nanoTime();
        CachedDecision cached = decisions.get(authorization);
        if (cached != null && now - cached.expiresAtNanos() < 0) {
            return cached.decision();
        }
        SimpleIAMPolicyResponse decision = ledger.within(authorizer.functionName(), () -> authorizer.handler()
                .handleRequest(authorizerEvent(route, event, authorization), new LocalContext(authorizer.functionName())));
        if (!authorizer.cacheTtl().isZero()) {
            if (decisions.size() > 10_000) {
                decisions.values().removeIf(old -> now - old.expiresAtNanos() >= 0);
            }
            decisions.put(authorization, new CachedDecision(now + authorizer.cacheTtl().toNanos(), decision));
        }
        return decision;
    }

    /** The authorizer's request as API Gateway sends it (payload format 2.0, type REQUEST). */
    private static APIGatewayV2CustomAuthorizerEvent authorizerEvent(Route route, APIGatewayV2HTTPEvent event, String authorization) {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        String cookies = event.getHeaders().get("cookie");
        return APIGatewayV2CustomAuthorizerEvent.builder()
                .withVersion("2.0")
                .withType("REQUEST")
                .withRouteArn("arn:aws:execute-api:" + LocalArns.REGION + ":" + LocalArns.ACCOUNT + ":" + context.getApiId()
                        + "/" + context.getStage() + "/" + route.method() + event.getRawPath())
                .withIdentitySource(List.of(authorization))
                .withRouteKey(route.routeKey())
                .withRawPath(event.getRawPath())
                .withRawQueryString(event.getRawQueryString())
                .withCookies(cookies == null ? null : Arrays.stream(cookies.split(";")).map(String::strip).toList())
                .withHeaders(event.getHeaders())
                .withQueryStringParameters(event.getQueryStringParameters())
                .withPathParameters(event.getPathParameters())
                .withRequestContext(APIGatewayV2CustomAuthorizerEvent.RequestContext.builder()
                        .withAccountId(context.getAccountId())
                        .withApiId(context.getApiId())
                        .withDomainName(context.getDomainName())
                        .withDomainPrefix(context.getDomainPrefix())
                        .withHttp(APIGatewayV2CustomAuthorizerEvent.Http.builder()
                                .withMethod(context.getHttp().getMethod())
                                .withPath(context.getHttp().getPath())
                                .withProtocol(context.getHttp().getProtocol())
                                .withSourceIp(context.getHttp().getSourceIp())
                                .withUserAgent(context.getHttp().getUserAgent())
                                .build())
                        .withRequestId(context.getRequestId())
                        .withRouteKey(context.getRouteKey())
                        .withStage(context.getStage())
                        .withTime(context.getTime())
                        .withTimeEpoch(context.getTimeEpoch())
                        .build())
                .build();
    }

    /** API Gateway's own answers carry only a message. */
    private static void gatewayAnswer(HttpExchange exchange, int status, String message) throws IOException {
        LoopbackHttpServer.respond(exchange, status, "application/json",
                ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, Route route, Map<String, String> parameters, byte[] raw) {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String contentType = headers.getOrDefault("content-type", "");
        boolean text = contentType.isEmpty() || contentType.startsWith("text/") || contentType.contains("json")
                || contentType.contains("xml") || contentType.contains("x-www-form-urlencoded");
        String query = exchange.getRequestURI().getRawQuery();
        Instant now = Instant.now();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(route.routeKey())
                .withRawPath(exchange.getRequestURI().getRawPath())
                .withRawQueryString(query == null ? "" : query)
                .withHeaders(headers)
                .withQueryStringParameters(query == null ? null : QueryStrings.parse(query))
                .withPathParameters(parameters.isEmpty() ? null : parameters)
                .withBody(raw.length == 0 ? null : text ? new String(raw, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(raw))
                .withIsBase64Encoded(raw.length > 0 && !text)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withAccountId(LocalArns.ACCOUNT)
                        .withApiId("local")
                        .withDomainName(headers.getOrDefault("host", "127.0.0.1"))
                        .withDomainPrefix("local")
                        .withRequestId(UUID.randomUUID().toString())
                        .withRouteKey(route.routeKey())
                        .withStage("$default")
                        .withTime(REQUEST_TIME.format(now))
                        .withTimeEpoch(now.toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(exchange.getRequestMethod())
                                .withPath(exchange.getRequestURI().getRawPath())
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .withUserAgent(headers.getOrDefault("user-agent", ""))
                                .build())
                        .build())
                .build();
    }

    private static void write(HttpExchange exchange, APIGatewayV2HTTPResponse response) throws IOException {
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        }
        String body = response.getBody();
        byte[] bytes = body == null ? new byte[0]
                : response.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        LoopbackHttpServer.respond(exchange, response.getStatusCode(), null, bytes);
    }

    @Override
    public void close() {
        server.close();
    }
}
