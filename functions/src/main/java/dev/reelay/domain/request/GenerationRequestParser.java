package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.webhook.WebhookUrlRules;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

/**
 * Turns the JSON body of {@code POST /v1/videos/generations} (already parsed into maps and lists)
 * into a {@link GenerationRequest}, enforcing every rule of the public API (docs/api.md) that can be
 * checked without fetching the images. Each violation names its field.
 */
public final class GenerationRequestParser {
    public static final int MAX_PROMPT_CHARS = 2500;
    public static final int MIN_DURATION = 3;
    public static final int MAX_DURATION = 15;
    public static final int DEFAULT_DURATION = 5;
    public static final Set<String> ASPECT_RATIOS = Set.of("16:9", "9:16", "1:1");

    private static final Set<String> SUPPORTED_FIELDS = Set.of(
            "model", "prompt", "negative_prompt", "image_start", "image_end",
            "duration", "quality", "sound", "aspect_ratio", "provider", "callback_url", "model_params", "external_task_id");

    private final boolean allowLocalImageSources;
    private final WebhookUrlRules webhookRules;
    private final String uploadedImagesPrefix;

    /**
     * @param allowLocalImageSources local mode: {@code file:} paths and {@code s3://} objects are allowed too
     * @param webhookRules           what a {@code callback_url} must be
     */
    public GenerationRequestParser(boolean allowLocalImageSources, WebhookUrlRules webhookRules) {
        this(allowLocalImageSources, webhookRules, null);
    }

    /**
     * For the upload trigger only, never for HTTP callers: images may also be objects under
     * {@code uploadedImagesPrefix} ({@code s3://<uploads bucket>/uploads/}), in AWS too.
     *
     * @param uploadedImagesPrefix an {@code s3://bucket/prefix/} whose objects are allowed, or null for none
     */
    public GenerationRequestParser(boolean allowLocalImageSources, WebhookUrlRules webhookRules, String uploadedImagesPrefix) {
        this.allowLocalImageSources = allowLocalImageSources;
        this.webhookRules = webhookRules;
        this.uploadedImagesPrefix = uploadedImagesPrefix;
    }

    /** AWS rules: no local image sources, HTTPS webhooks to public addresses only. */
    public GenerationRequestParser() {
        this(false, WebhookUrlRules.STRICT);
    }

    public GenerationRequest parse(Object body) {
        if (!(body instanceof Map<?, ?> fields)) {
            throw new InvalidRequestException(null, "invalid_body", "The request body must be a JSON object.");
        }
        for (Object name : fields.keySet()) {
            if (!SUPPORTED_FIELDS.contains(name)) {
                throw new InvalidRequestException(String.valueOf(name), "unknown_parameter",
                        "'" + name + "' is not a parameter of this API.");
            }
        }
        String model = requiredString(fields, "model");
        if (!GenerationRequest.IMAGE_TO_VIDEO.equals(model) && !GenerationRequest.TEXT_TO_VIDEO.equals(model)) {
            throw new InvalidRequestException("model", "unsupported_model", "'model' must be '" + GenerationRequest.IMAGE_TO_VIDEO
                    + "' or '" + GenerationRequest.TEXT_TO_VIDEO + "', got '" + model + "'.");
        }
        String prompt = boundedText(fields, "prompt", "prompt_too_long");
        String negativePrompt = boundedText(fields, "negative_prompt", "negative_prompt_too_long");
        String imageStart = optionalString(fields, "image_start");
        String imageEnd = optionalString(fields, "image_end");
        if (GenerationRequest.TEXT_TO_VIDEO.equals(model)) {
            String image = imageStart != null ? "image_start" : imageEnd != null ? "image_end" : null;
            if (image != null) {
                throw new InvalidRequestException(image, "images_not_allowed",
                        "'" + image + "' cannot be used with " + GenerationRequest.TEXT_TO_VIDEO + "; use " + GenerationRequest.IMAGE_TO_VIDEO + ".");
            }
        } else {
            if (imageStart == null && imageEnd != null) {
                throw new InvalidRequestException("image_end", "image_end_without_image_start",
                        "'image_end' can only be given together with 'image_start'.");
            }
            if (imageStart == null) {
                throw new InvalidRequestException("image_start", "missing_image_start",
                        "'image_start' is required for " + GenerationRequest.IMAGE_TO_VIDEO + ".");
            }
            checkImageLocation("image_start", imageStart);
            if (imageEnd != null) {
                checkImageLocation("image_end", imageEnd);
            }
        }
        int duration = duration(fields.get("duration"));
        Quality quality = Quality.fromWire(stringOr(fields, "quality", Quality.P720.wire()))
                .orElseThrow(() -> new InvalidRequestException("quality", "invalid_quality",
                        "'quality' must be one of 720p, 1080p, 4k."));
        Sound sound = Sound.fromWire(stringOr(fields, "sound", Sound.OFF.wire()))
                .orElseThrow(() -> new InvalidRequestException("sound", "invalid_sound",
                        "'sound' must be 'on' or 'off'."));
        String aspectRatio = optionalString(fields, "aspect_ratio");
        if (aspectRatio != null && !ASPECT_RATIOS.contains(aspectRatio)) {
            throw new InvalidRequestException("aspect_ratio", "invalid_aspect_ratio",
                    "'aspect_ratio' must be one of 16:9, 9:16, 1:1.");
        }
        Map<String, Object> modelParams = ModelParamsParser.parse(fields.get("model_params"), prompt, duration, sound);
        boolean storyboard = "customize".equals(modelParams.get("shot_type"));
        if (GenerationRequest.TEXT_TO_VIDEO.equals(model) && prompt == null && !storyboard) {
            throw new InvalidRequestException("prompt", "missing_prompt", "'prompt' is required for " + GenerationRequest.TEXT_TO_VIDEO
                    + " (unless a customized multi-shot storyboard gives each shot its own).");
        }
        String provider = optionalString(fields, "provider");
        if (provider != null && !ProviderTable.KNOWN.contains(provider)) {
            throw new InvalidRequestException("provider", "unknown_provider",
                    "'provider' must be one of " + String.join(", ", ProviderTable.KNOWN) + ".");
        }
        String callbackUrl = optionalString(fields, "callback_url");
        if (callbackUrl != null) {
            webhookRules.check("callback_url", callbackUrl);
        }
        return new GenerationRequest(model, prompt, negativePrompt, imageStart, imageEnd,
                duration, quality, sound, aspectRatio, provider, callbackUrl, modelParams, externalTaskId(fields));
    }

    /** The caller's own id for the task: a repeat with the same one returns the original task. */
    private static String externalTaskId(Map<?, ?> fields) {
        String id = optionalString(fields, "external_task_id");
        if (id != null && !id.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new InvalidRequestException("external_task_id", "invalid_external_task_id",
                    "'external_task_id' must be 1 to 64 letters, digits or . _ : - characters.");
        }
        return id;
    }

    private void checkImageLocation(String field, String location) {
        if (isUploadedImage(uploadedImagesPrefix, location)) {
            return; // an uploaded image of the upload trigger's own bucket and prefix
        }
        ImageUrlRules.check(field, location, allowLocalImageSources);
    }

    /**
     * Whether {@code location} is an object under {@code prefix} (an {@code s3://bucket/folder/}),
     * with no empty, {@code .} or {@code ..} segment after it. False when {@code prefix} is null.
     */
    public static boolean isUploadedImage(String prefix, String location) {
        if (prefix == null || !location.startsWith(prefix) || location.length() == prefix.length()) {
            return false;
        }
        for (String segment : location.substring(prefix.length()).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static int duration(Object value) {
        if (value == null) {
            return DEFAULT_DURATION;
        }
        BigInteger whole = wholeNumber(value);
        if (whole == null || whole.compareTo(BigInteger.valueOf(MIN_DURATION)) < 0
                || whole.compareTo(BigInteger.valueOf(MAX_DURATION)) > 0) {
            throw new InvalidRequestException("duration", "invalid_duration",
                    "'duration' must be an integer from " + MIN_DURATION + " to " + MAX_DURATION + " (seconds).");
        }
        return whole.intValueExact();
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

    private static String boundedText(Map<?, ?> fields, String name, String code) {
        String text = optionalString(fields, name);
        if (text != null && text.codePointCount(0, text.length()) > MAX_PROMPT_CHARS) {
            throw new InvalidRequestException(name, code,
                    "'" + name + "' must be at most " + MAX_PROMPT_CHARS + " characters.");
        }
        return text;
    }

    private static String requiredString(Map<?, ?> fields, String name) {
        String value = optionalString(fields, name);
        if (value == null) {
            throw new InvalidRequestException(name, "missing_parameter", "'" + name + "' is required.");
        }
        return value;
    }

    private static String stringOr(Map<?, ?> fields, String name, String fallback) {
        String value = optionalString(fields, name);
        return value == null ? fallback : value;
    }

    private static String optionalString(Map<?, ?> fields, String name) {
        Object value = fields.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new InvalidRequestException(name, "invalid_type", "'" + name + "' must be a string.");
        }
        return text.isEmpty() ? null : text;
    }
}
