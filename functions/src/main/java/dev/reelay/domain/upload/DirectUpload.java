package dev.reelay.domain.upload;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.request.UploadReference;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An image uploaded without S3 credentials ({@code POST /v1/uploads}, docs/uploads.md): the caller
 * PUTs its bytes to a presigned URL, and names it {@code upload://<id>} in {@code image_start} or
 * {@code image_end}. The object is {@code direct-uploads/<key name>/<id>} in the uploads bucket, not
 * under {@code uploads/}, so that the put starts nothing by itself.
 * The id and the reference are {@link UploadReference}'s.
 */
public record DirectUpload(String id, String contentType, long size, Instant expiresAt) {
    /** How long the URL and the reference are valid. */
    public static final Duration VALIDITY = Duration.ofHours(1);
    /** The content types the image checks accept (JPG and PNG, judged by content again after the upload). */
    public static final Set<String> CONTENT_TYPES = Set.of("image/jpeg", "image/png");
    private static final Set<String> FIELDS = Set.of("content_type", "size");

    /** A new upload of {@code body} ({@code {"content_type", "size"}}), its id made of {@code random} and the expiry. */
    public static DirectUpload of(Object body, Instant now, String random) {
        if (!(body instanceof Map<?, ?> fields)) {
            throw new InvalidRequestException(null, "invalid_body", "The request body must be a JSON object.");
        }
        for (Object name : fields.keySet()) {
            if (!FIELDS.contains(name)) {
                throw new InvalidRequestException(String.valueOf(name), "unknown_parameter",
                        "'" + name + "' is not a parameter of this API.");
            }
        }
        Object type = fields.get("content_type");
        if (type == null) {
            throw new InvalidRequestException("content_type", "missing_parameter", "'content_type' is required.");
        }
        if (!(type instanceof String text)) {
            throw new InvalidRequestException("content_type", "invalid_type", "'content_type' must be a string.");
        }
        String contentType = text.trim().toLowerCase(Locale.ROOT);
        if (!CONTENT_TYPES.contains(contentType)) {
            throw new InvalidRequestException("content_type", "unsupported_image_format",
                    "'content_type' must be image/jpeg or image/png, got '" + text + "'.");
        }
        Object size = fields.get("size");
        if (size == null) {
            throw new InvalidRequestException("size", "missing_parameter", "'size' is required.");
        }
        BigInteger bytes = wholeNumber(size);
        if (bytes == null || bytes.signum() <= 0) {
            throw new InvalidRequestException("size", "invalid_size", "'size' must be a whole number of bytes, at least 1.");
        }
        if (bytes.compareTo(BigInteger.valueOf(ImageRules.MAX_BYTES)) > 0) {
            throw new InvalidRequestException("size", "image_too_large",
                    "'size' is " + bytes + " bytes; images may be at most 10 MB (" + ImageRules.MAX_BYTES + " bytes).");
        }
        // Whole seconds, as the id carries it; never less than VALIDITY.
        Instant expiresAt = now.plus(VALIDITY).plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        String id = "upl-" + expiresAt.getEpochSecond() + "-" + random;
        if (!UploadReference.isId(id)) {
            throw new IllegalArgumentException("20 random base-36 characters expected, got " + random);
        }
        return new DirectUpload(id, contentType, bytes.longValueExact(), expiresAt);
    }

    /** {@code upload://<id>}, what {@code image_start} and {@code image_end} accept. */
    public String reference() {
        return UploadReference.SCHEME + id;
    }

    /** The object the caller puts: {@code direct-uploads/<owner>/<id>}. */
    public String objectKey(String owner) {
        return UploadReference.objectKey(owner, id);
    }

    /** JSON numbers arrive as Integer, Long, BigInteger, Double or BigDecimal; 5.0 counts as 5, 5.5 does not. */
    private static BigInteger wholeNumber(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return BigInteger.valueOf(((Number) value).longValue());
        }
        if (value instanceof BigInteger big) {
            return big;
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            BigDecimal decimal = new BigDecimal(value.toString());
            return decimal.stripTrailingZeros().scale() <= 0 ? decimal.toBigIntegerExact() : null;
        }
        return null;
    }
}
