package dev.reelay.local.api;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import dev.reelay.local.LoopbackHttpServer;
import dev.reelay.local.lambda.LocalArns;
import dev.reelay.local.lambda.LocalContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * API Gateway (HTTP API, payload format 2.0) for the local stack: each HTTP request becomes an
 * {@link APIGatewayV2HTTPEvent} for the route's handler, and its response becomes the HTTP answer.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** A route such as {@code GET /v1/tasks/{id}}, served by a function. */
    public record Route(String method, String path, String functionName,
                        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
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

    private final List<Route> routes;
    private LoopbackHttpServer server;

    private HttpApiServer(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /** @param port the port to listen on, or 0 for any free one */
    public static HttpApiServer start(int port, List<Route> routes) throws IOException {
        HttpApiServer api = new HttpApiServer(routes);
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
            for (Route route : routes) {
                Map<String, String> parameters = route.match(method, path);
                if (parameters != null) {
                    APIGatewayV2HTTPEvent event = toEvent(exchange, route, parameters);
                    APIGatewayV2HTTPResponse response = route.handler().handleRequest(event, new LocalContext(route.functionName()));
                    write(exchange, response);
                    return;
                }
            }
            byte[] body = ("{\"error\":{\"code\":\"route_not_found\",\"message\":\"No route " + method + " "
                    + path.replace("\"", "") + "\",\"type\":\"not_found_error\"}}").getBytes(StandardCharsets.UTF_8);
            LoopbackHttpServer.respond(exchange, 404, "application/json", body);
        } catch (RuntimeException e) {
            LOG.error("Local API failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            exchange.sendResponseHeaders(500, -1);
        }
    }

    private static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, Route route, Map<String, String> parameters)
            throws IOException {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        byte[] raw = exchange.getRequestBody().readAllBytes();
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
