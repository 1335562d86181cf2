package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.AuthorizeApiKey;
import dev.reelay.application.TaskLog;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.error.UnauthorizedException;
import org.slf4j.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The HTTP side of the API handlers: reading API Gateway (v2) events and writing answers. */
final class HttpExchange {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private HttpExchange() {
    }

    static Object jsonBody(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null || body.isBlank()) {
            throw new InvalidRequestException(null, "invalid_body", "The request body must be a JSON object.");
        }
        String text = event.getIsBase64Encoded()
                ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
        try {
            return JSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "invalid_json", "The request body is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    /** The {@code Idempotency-Key} header (API Gateway lower-cases header names), or null. */
    static String idempotencyKey(APIGatewayV2HTTPEvent event) {
        String key = event.getHeaders() == null ? null : event.getHeaders().get("idempotency-key");
        if (key != null && !key.matches("[\\x21-\\x7e]{1,255}")) {
            throw new InvalidRequestException("Idempotency-Key", "invalid_idempotency_key",
                    "The Idempotency-Key header must be 1 to 255 visible ASCII characters.");
        }
        return key;
    }

    /**
     * The name of the API key that the Lambda authorizer verified ({@code requestContext.authorizer.lambda.keyName}),
     * which owns the request's tasks. A request the authorizer refused ({@code authError} in its
     * context) is a 401 {@code invalid_api_key}; one without a key name at all is a 401
     * {@code missing_api_key}, never a shared owner (a route deployed without the authorizer must not
     * serve anyone's tasks).
     */
    static String ownerKeyId(APIGatewayV2HTTPEvent event) {
        Map<String, Object> context = Optional.ofNullable(event.getRequestContext())
                .map(APIGatewayV2HTTPEvent.RequestContext::getAuthorizer)
                .map(APIGatewayV2HTTPEvent.RequestContext.Authorizer::getLambda)
                .orElse(Map.of());
        Object authError = context.get(AuthorizeApiKeyHandler.AUTH_ERROR);
        if (AuthorizeApiKey.MISSING_API_KEY.equals(authError)) {
            throw missingApiKey();
        }
        if (authError != null) {
            // Whatever the authorizer's reason, a refusal is never served: the key is not a valid one.
            throw new UnauthorizedException("invalid_api_key",
                    "The API key is unknown, malformed or revoked; send 'Authorization: Bearer <your API key>'.");
        }
        String keyName = Optional.ofNullable(context.get(AuthorizeApiKeyHandler.KEY_NAME))
                .map(Object::toString)
                .filter(name -> !name.isBlank())
                .orElseThrow(HttpExchange::missingApiKey);
        TaskLog.keyName(keyName);
        return keyName;
    }

    private static UnauthorizedException missingApiKey() {
        return new UnauthorizedException("missing_api_key",
                "No API key came with this request; send 'Authorization: Bearer <your API key>'.");
    }

    static APIGatewayV2HTTPResponse json(int status, Object body) {
        try {
            return APIGatewayV2HTTPResponse.builder().withStatusCode(status)
                    .withHeaders(Map.of("Content-Type", "application/json"))
                    .withBody(JSON.writeValueAsString(body)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Answer not serialisable as JSON", e);
        }
    }

    /** Maps a failure to the unified dialect's error envelope; unexpected ones are logged in full. */
    static APIGatewayV2HTTPResponse error(RuntimeException failure, Logger log, String route) {
        if (failure instanceof InvalidRequestException invalid) {
            log.info("{} refused: {} {}", route, invalid.code(), invalid.getMessage());
            return errorBody(400, invalid, "invalid_request_error", invalid.field());
        }
        if (failure instanceof ConflictException conflict) {
            log.info("{} refused: {} {}", route, conflict.code(), conflict.getMessage());
            return errorBody(409, conflict, "conflict_error", null);
        }
        if (failure instanceof UnauthorizedException unauthorized) {
            if ("invalid_api_key".equals(unauthorized.code())) {
                log.info("{} refused: {}", route, unauthorized.code());
            } else {
                log.warn("{} refused: {} (is the route deployed without the authorizer?)", route, unauthorized.code());
            }
            return errorBody(401, unauthorized, "authentication_error", null);
        }
        if (failure instanceof QuotaExceededException quota) {
            log.info("{} refused: {} {}", route, quota.code(), quota.getMessage());
            return errorBody(402, quota, "insufficient_quota", null);
        }
        if (failure instanceof NotFoundException notFound) {
            return errorBody(404, notFound, "not_found_error", null);
        }
        if (failure instanceof TransientFailureException transientFailure) {
            log.warn("{} unavailable: {}", route, transientFailure.getLocalizedMessage(), transientFailure);
            return errorBody(503, transientFailure, "service_unavailable_error", null);
        }
        if (failure instanceof PermanentFailureException permanent) {
            log.error("{} failed: {}", route, permanent.getLocalizedMessage(), permanent);
            return errorBody(502, permanent, "upstream_error", null);
        }
        log.error("{} failed unexpectedly", route, failure);
        return json(500, Map.of("error", Map.of("code", "internal_error",
                "message", "Reelay failed to handle the request; it has been logged.", "type", "api_error")));
    }

    private static APIGatewayV2HTTPResponse errorBody(int status, ReelayException failure, String type, String field) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", failure.code());
        error.put("message", failure.getMessage());
        error.put("type", type);
        if (field != null) {
            error.put("param", field);
        }
        return json(status, Map.of("error", error));
    }
}
