package dev.reelay.local.sandbox;

import java.net.URI;
import java.util.Base64;

/**
 * A frame image as a request gave it: a URL the kit downloads, or bytes sent inline as base64. Which forms
 * a vendor accepts is its dialect's choice. The field names the request field, for error messages.
 */
public sealed interface ImageInput {
    String field();

    /** Where the image came from, for error messages. */
    String source();

    record Remote(String field, URI url) implements ImageInput {
        @Override
        public String source() {
            return url.toString();
        }
    }

    record Inline(String field, byte[] bytes) implements ImageInput {
        @Override
        public String source() {
            return "inline base64 data";
        }
    }

    /** An absolute http or https URL. */
    static ImageInput url(String field, String value) throws ApiError {
        URI url = RequestFields.absoluteUrl(field, value);
        // The real services need a public URL; the sandbox runs beside its images, so plain http is fine.
        if (!url.getScheme().equalsIgnoreCase("http") && !url.getScheme().equalsIgnoreCase("https")) {
            throw ApiError.invalidParameter(field + " must be an http or https URL");
        }
        return new Remote(field, url);
    }

    /** Plain base64 (no {@code data:} prefix), as Kling sends it. */
    static ImageInput base64(String field, String value) throws ApiError {
        try {
            return new Inline(field, Base64.getDecoder().decode(value.strip()));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidImage(field + " is not valid base64: " + e.getMessage());
        }
    }
}
