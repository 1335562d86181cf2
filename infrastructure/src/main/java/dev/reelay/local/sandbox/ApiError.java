package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A refusal the sandbox answers with the aggregator's envelope: {@code {"error":{"code","message","type"}}}. */
final class ApiError extends Exception {
    private final int status;
    private final String code;
    private final String type;

    private ApiError(int status, String code, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.type = type;
    }

    static ApiError invalidRequest(String message) {
        return new ApiError(400, "invalid_request", "invalid_request_error", message);
    }

    static ApiError invalidParameter(String message) {
        return new ApiError(400, "invalid_parameter", "invalid_request_error", message);
    }

    static ApiError invalidImage(String message) {
        return new ApiError(400, "invalid_image", "invalid_request_error", message);
    }

    static ApiError invalidApiKey() {
        return new ApiError(401, "invalid_api_key", "authentication_error", "Missing or invalid API key: send Authorization: Bearer <api key>");
    }

    static ApiError notFound(String code, String message) {
        return new ApiError(404, code, "not_found_error", message);
    }

    static ApiError scripted(SandboxFaults.Refusal refusal) {
        return new ApiError(refusal.status(), refusal.code(), refusal.type(), refusal.message());
    }

    static ApiError internal(String message) {
        return new ApiError(500, "internal_error", "internal_server_error", message);
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("error").put("code", code).put("message", getMessage()).put("type", type);
        return body;
    }
}
