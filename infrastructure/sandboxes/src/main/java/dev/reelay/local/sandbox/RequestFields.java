package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;

/** Reading JSON request fields with refusals that name the field, as every dialect's parser needs. */
public final class RequestFields {
    private RequestFields() {
    }

    /** The field's text; empty when absent or null; refused when not a string. */
    public static Optional<String> text(JsonNode body, String field) throws ApiError {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw ApiError.invalidParameter(field + " must be a string");
        }
        return Optional.of(value.textValue());
    }

    /** The field's text when it is one of allowed; empty when absent. */
    public static Optional<String> oneOf(JsonNode body, String field, List<String> allowed) throws ApiError {
        Optional<String> value = text(body, field);
        if (value.isPresent() && !allowed.contains(value.get())) {
            throw ApiError.invalidParameter(field + " must be one of " + String.join(", ", allowed) + ", got \"" + value.get() + "\"");
        }
        return value;
    }

    public static URI absoluteUrl(String field, String value) throws ApiError {
        try {
            URI url = new URI(value);
            if (url.getScheme() == null || url.getHost() == null) {
                throw ApiError.invalidParameter(field + " must be an absolute URL, got \"" + value + "\"");
            }
            return url;
        } catch (URISyntaxException e) {
            throw ApiError.invalidParameter(field + " is not a valid URL: " + e.getMessage());
        }
    }
}
