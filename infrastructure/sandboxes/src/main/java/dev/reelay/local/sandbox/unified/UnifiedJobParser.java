package dev.reelay.local.sandbox.unified;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.AspectRatio;
import dev.reelay.local.sandbox.ImageInput;
import dev.reelay.local.sandbox.Job;
import dev.reelay.local.sandbox.Quality;
import dev.reelay.local.sandbox.RequestFields;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Checks a unified aggregator create request against its documented rules (docs/vendors.md). */
public final class UnifiedJobParser {
    static final String IMAGE_TO_VIDEO = "kling-v3-image-to-video";
    static final String TEXT_TO_VIDEO = "kling-v3-text-to-video";
    private static final List<String> QUALITIES = List.of("720p", "1080p", "4k");
    private static final List<String> ASPECT_RATIOS = Arrays.stream(AspectRatio.values()).map(AspectRatio::label).toList();
    private static final int MAX_PROMPT_CHARACTERS = 2500;
    private static final int MAX_CALLBACK_URL_LENGTH = 2048;
    private static final int DEFAULT_DURATION_SECONDS = 5;
    private static final int MIN_DURATION_SECONDS = 3;
    private static final int MAX_DURATION_SECONDS = 15;
    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

    private UnifiedJobParser() {
    }

    public static Job parse(JsonNode body) throws ApiError {
        String model = RequestFields.oneOf(body, "model", List.of(IMAGE_TO_VIDEO, TEXT_TO_VIDEO))
                .orElseThrow(() -> ApiError.invalidParameter("model is required"));
        String prompt = limitedText(body, "prompt");
        limitedText(body, "negative_prompt");
        Optional<ImageInput> imageStart = imageUrl(body, "image_start");
        Optional<ImageInput> imageEnd = imageUrl(body, "image_end");
        if (imageEnd.isPresent() && imageStart.isEmpty()) {
            throw ApiError.invalidParameter("image_end needs image_start: a last frame is only used with a first frame");
        }
        if (model.equals(IMAGE_TO_VIDEO) && imageStart.isEmpty()) {
            throw ApiError.invalidParameter("image_start is required for " + model);
        }
        if (model.equals(TEXT_TO_VIDEO)) {
            if (imageStart.isPresent()) {
                throw ApiError.invalidParameter("image_start and image_end are not accepted by " + model);
            }
            if (prompt.isBlank()) {
                throw ApiError.invalidParameter("prompt is required for " + model);
            }
        }
        Quality quality = switch (RequestFields.oneOf(body, "quality", QUALITIES).orElse("720p")) {
            case "1080p" -> Quality.FULL_HD;
            case "4k" -> Quality.ULTRA_HD;
            default -> Quality.HD;
        };
        boolean sound = RequestFields.oneOf(body, "sound", List.of("on", "off")).orElse("off").equals("on");
        Optional<AspectRatio> aspectRatio = RequestFields.oneOf(body, "aspect_ratio", ASPECT_RATIOS).flatMap(AspectRatio::fromLabel);
        JsonNode modelParams = body.get("model_params");
        if (modelParams != null && !modelParams.isNull() && !modelParams.isObject()) {
            throw ApiError.invalidParameter("model_params must be an object");
        }
        return new Job(model, prompt, imageStart, imageEnd, duration(body), quality, sound, aspectRatio,
                callbackUrl(body), Optional.empty());
    }

    private static String limitedText(JsonNode body, String field) throws ApiError {
        String text = RequestFields.text(body, field).orElse("");
        int characters = text.codePointCount(0, text.length());
        if (characters > MAX_PROMPT_CHARACTERS) {
            throw ApiError.invalidParameter(field + " must be at most " + MAX_PROMPT_CHARACTERS + " characters, got " + characters);
        }
        return text;
    }

    private static int duration(JsonNode body) throws ApiError {
        JsonNode value = body.get("duration");
        if (value == null || value.isNull()) {
            return DEFAULT_DURATION_SECONDS;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()
                || value.intValue() < MIN_DURATION_SECONDS || value.intValue() > MAX_DURATION_SECONDS) {
            throw ApiError.invalidParameter("duration must be an integer from " + MIN_DURATION_SECONDS + " to "
                    + MAX_DURATION_SECONDS + " (seconds), got " + value);
        }
        return value.intValue();
    }

    private static Optional<ImageInput> imageUrl(JsonNode body, String field) throws ApiError {
        Optional<String> value = RequestFields.text(body, field);
        return value.isPresent() ? Optional.of(ImageInput.url(field, value.get())) : Optional.empty();
    }

    private static Optional<URI> callbackUrl(JsonNode body) throws ApiError {
        Optional<String> value = RequestFields.text(body, "callback_url");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().length() > MAX_CALLBACK_URL_LENGTH) {
            throw ApiError.invalidParameter("callback_url must be at most " + MAX_CALLBACK_URL_LENGTH + " characters");
        }
        URI url = RequestFields.absoluteUrl("callback_url", value.get());
        // The real service takes HTTPS only; the sandbox also takes plain http to this machine, where local receivers live.
        boolean localHttp = url.getScheme().equalsIgnoreCase("http") && LOOPBACK_HOSTS.contains(url.getHost());
        if (!url.getScheme().equalsIgnoreCase("https") && !localHttp) {
            throw ApiError.invalidParameter("callback_url must be an https URL (the sandbox also accepts http://127.0.0.1)");
        }
        return Optional.of(url);
    }
}
