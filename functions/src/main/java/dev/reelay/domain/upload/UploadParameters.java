package dev.reelay.domain.upload;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what came with an uploaded image (its S3 metadata and its sidecar {@code {image}.json})
 * into the body of {@code POST /v1/videos/generations}, with the upload as {@code image_start}.
 * The sidecar takes the same fields as that body, except {@code image_start}; each field it sets
 * wins over the same field from the metadata. Nothing here throws: a problem is returned with the
 * best body that could be made, so that a refused upload is still recorded with what it asked for.
 */
public final class UploadParameters {
    /** Metadata names (x-amz-meta-*, case-insensitive, {@code _} same as {@code -}) and the API field each sets. */
    public static final Map<String, String> METADATA_FIELDS = Map.of(
            "prompt", "prompt",
            "negative-prompt", "negative_prompt",
            "duration", "duration",
            "quality", "quality",
            "sound", "sound",
            "aspect-ratio", "aspect_ratio",
            "last-image", "image_end",
            "image-end", "image_end",
            "callback-url", "callback_url",
            "provider", "provider");

    /** The body to submit, and the first problem found on the way, if any. */
    public record Request(Map<String, Object> body, Optional<InvalidRequestException> problem) {
    }

    private UploadParameters() {
    }

    /**
     * @param metadata the object's user metadata, names without {@code x-amz-meta-}
     * @param sidecar  the parsed sidecar object, or an empty map when there is none
     */
    public static Request request(UploadKey upload, String bucket, Map<String, String> metadata, Map<String, ?> sidecar) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", GenerationRequest.IMAGE_TO_VIDEO);
        metadata.forEach((name, value) -> {
            String field = METADATA_FIELDS.get(name.toLowerCase(Locale.ROOT).replace('_', '-'));
            if (field != null && value != null && !value.isBlank()) {
                body.put(field, field.equals("duration") ? number(value.trim()) : value);
            }
        });
        InvalidRequestException problem = null;
        if (sidecar.containsKey("image_start")) {
            problem = new InvalidRequestException("image_start", "image_start_not_allowed",
                    "The uploaded image is the start image: a sidecar cannot set 'image_start'.");
        }
        if (sidecar.containsKey("last_image") && sidecar.containsKey("image_end")) {
            problem = first(problem, new InvalidRequestException("last_image", "invalid_sidecar",
                    "The sidecar sets both 'last_image' and 'image_end'; they are the same field."));
        }
        sidecar.forEach((name, value) -> {
            if (!name.equals("image_start")) {
                body.put(name.equals("last_image") ? "image_end" : name, value);
            }
        });
        body.put("image_start", "s3://" + bucket + "/" + upload.key());
        if (body.get("image_end") instanceof String end && !end.isEmpty()) {
            try {
                body.put("image_end", lastImage(upload, bucket, end));
            } catch (InvalidRequestException e) {
                problem = first(problem, e);
            }
        }
        return new Request(body, Optional.ofNullable(problem));
    }

    /**
     * A relative name becomes an object next to the image; an {@code s3://} URL must be one of the
     * owner's own uploads; anything else (an HTTPS URL) is left to the request rules.
     */
    private static String lastImage(UploadKey upload, String bucket, String end) {
        int colon = end.indexOf(':');
        int slash = end.indexOf('/');
        boolean hasScheme = colon > 0 && (slash < 0 || colon < slash);
        if (!hasScheme) {
            return "s3://" + bucket + "/" + upload.resolve("image_end", end);
        }
        if (end.toLowerCase(Locale.ROOT).startsWith("s3:") && !upload.ownsObject(bucket, end)) {
            throw new InvalidRequestException("image_end", "invalid_image_url", "'image_end' must be an object of your own "
                    + upload.ownerPrefix() + " prefix in s3://" + bucket + "/, or a name relative to the image.");
        }
        return end;
    }

    /** A whole number as a number, so that the request rules accept it; anything else as given, for them to refuse. */
    private static Object number(String value) {
        if (value.matches("[0-9]{1,9}")) {
            return Integer.valueOf(value);
        }
        return value;
    }

    private static InvalidRequestException first(InvalidRequestException earlier, InvalidRequestException later) {
        return earlier != null ? earlier : later;
    }

    /**
     * What a refused upload asked for, as far as it can be read, for its failed task: the fields
     * that are valid are kept, the rest fall back to their defaults. It never calls back (no
     * {@code callback_url}): a refused upload has no workflow.
     */
    public static GenerationRequest asRecorded(Map<String, ?> body) {
        String model = GenerationRequest.TEXT_TO_VIDEO.equals(body.get("model")) ? GenerationRequest.TEXT_TO_VIDEO
                : GenerationRequest.IMAGE_TO_VIDEO;
        int duration = body.get("duration") instanceof Number n && isWhole(n)
                && n.intValue() >= GenerationRequestParser.MIN_DURATION && n.intValue() <= GenerationRequestParser.MAX_DURATION
                ? n.intValue() : GenerationRequestParser.DEFAULT_DURATION;
        String aspectRatio = text(body, "aspect_ratio", 16);
        String provider = text(body, "provider", 32);
        return new GenerationRequest(model, text(body, "prompt", GenerationRequestParser.MAX_PROMPT_CHARS),
                text(body, "negative_prompt", GenerationRequestParser.MAX_PROMPT_CHARS),
                text(body, "image_start", 2048), text(body, "image_end", 2048), duration,
                Quality.fromWire(text(body, "quality", 8)).orElse(Quality.P720),
                Sound.fromWire(text(body, "sound", 8)).orElse(Sound.OFF),
                aspectRatio != null && GenerationRequestParser.ASPECT_RATIOS.contains(aspectRatio) ? aspectRatio : null,
                provider != null && ProviderTable.KNOWN.contains(provider) ? provider : null, null, Map.of(), null);
    }

    private static boolean isWhole(Number n) {
        try {
            return new BigDecimal(n.toString()).stripTrailingZeros().scale() <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A string field cut to {@code max} code points, or null when absent, empty or not a string. */
    private static String text(Map<String, ?> body, String field, int max) {
        if (!(body.get(field) instanceof String value) || value.isEmpty()) {
            return null;
        }
        return value.codePointCount(0, value.length()) <= max ? value
                : value.substring(0, value.offsetByCodePoints(0, max));
    }
}
