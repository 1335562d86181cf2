package dev.reelay.local.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/** An incoming request as a dialect reads it. */
public final class Call {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpExchange exchange;
    private final Map<String, String> pathParams;

    Call(HttpExchange exchange, Map<String, String> pathParams) {
        this.exchange = exchange;
        this.pathParams = pathParams;
    }

    public String method() {
        return exchange.getRequestMethod();
    }

    public String path() {
        return exchange.getRequestURI().getPath();
    }

    /** A placeholder of the route's path template, e.g. {@code id} in {@code /v1/tasks/{id}}. */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("The route of " + path() + " has no {" + name + "}");
        }
        return value;
    }

    /**
     * The bearer-key check of the vendors that take a plain API key; each vendor words its refusals
     * its own way.
     */
    public void requireBearer(String apiKey, String missingMessage, String invalidMessage) throws ApiError {
        Optional<String> authorization = header("Authorization");
        if (authorization.isEmpty()) {
            throw ApiError.unauthenticated(missingMessage);
        }
        if (!authorization.get().equals("Bearer " + apiKey)) {
            throw ApiError.unauthenticated(invalidMessage);
        }
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
    }

    public Optional<String> queryParam(String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return Optional.empty();
        }
        return Arrays.stream(query.split("&"))
                .map(pair -> pair.split("=", 2))
                .filter(pair -> URLDecoder.decode(pair[0], StandardCharsets.UTF_8).equals(name))
                .map(pair -> pair.length == 2 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : "")
                .findFirst();
    }

    /** The body, which must be a JSON object. */
    public ObjectNode jsonObject() throws ApiError, IOException {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody());
        } catch (JsonProcessingException e) {
            throw ApiError.malformedBody("Request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiError.malformedBody("Request body must be a JSON object");
        }
        return (ObjectNode) body;
    }
}
