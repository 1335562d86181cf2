package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A create request checked against the aggregator's documented rules (seeds 000 and 004). */
record GenerationRequest(Model model, String prompt, String negativePrompt, Optional<URI> imageStart,
                         Optional<URI> imageEnd, int durationSeconds, Quality quality, boolean sound,
                         Optional<AspectRatio> aspectRatio, Optional<URI> callbackUrl) {

    private static final int MAX_PROMPT_CHARACTERS = 2500;
    private static final int MAX_CALLBACK_URL_LENGTH = 2048;
    private static final int DEFAULT_DURATION_SECONDS = 5;
    private static final int MIN_DURATION_SECONDS = 3;
    private static final int MAX_DURATION_SECONDS = 15;
    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

    enum Model {
        IMAGE_TO_VIDEO("kling-v3-image-to-video"),
        TEXT_TO_VIDEO("kling-v3-text-to-video");

        final String id;

        Model(String id) {
            this.id = id;
        }
    }

    enum Quality {
        HD("720p"),
        FULL_HD("1080p"),
        ULTRA_HD("4k");

        final String label;

        Quality(String label) {
            this.label = label;
        }
    }

    static GenerationRequest parse(JsonNode body) throws ApiError {
        Model model = oneOf(body, "model", Model.values(), choice -> choice.id)
                .orElseThrow(() -> ApiError.invalidParameter("model is required"));
        String prompt = limitedText(body, "prompt");
        String negativePrompt = limitedText(body, "negative_prompt");
        Optional<URI> imageStart = imageUrl(body, "image_start");
        Optional<URI> imageEnd = imageUrl(body, "image_end");
        if (imageEnd.isPresent() && imageStart.isEmpty()) {
            throw ApiError.invalidParameter("image_end needs image_start: a last frame is only used with a first frame");
        }
        if (model == Model.IMAGE_TO_VIDEO && imageStart.isEmpty()) {
            throw ApiError.invalidParameter("image_start is required for " + model.id);
        }
        if (model == Model.TEXT_TO_VIDEO) {
            if (imageStart.isPresent()) {
                throw ApiError.invalidParameter("image_start and image_end are not accepted by " + model.id);
            }
            if (prompt.isBlank()) {
                throw ApiError.invalidParameter("prompt is required for " + model.id);
            }
        }
        Quality quality = oneOf(body, "quality", Quality.values(), value -> value.label).orElse(Quality.HD);
        boolean sound = oneOf(body, "sound", new String[] {"on", "off"}, Function.identity()).orElse("off").equals("on");
        Optional<AspectRatio> aspectRatio = oneOf(body, "aspect_ratio", AspectRatio.values(), AspectRatio::label);
        JsonNode modelParams = body.get("model_params");
        if (modelParams != null && !modelParams.isNull() && !modelParams.isObject()) {
            throw ApiError.invalidParameter("model_params must be an object");
        }
        return new GenerationRequest(model, prompt, negativePrompt, imageStart, imageEnd, duration(body),
                quality, sound, aspectRatio, callbackUrl(body));
    }

    private static Optional<String> text(JsonNode body, String field) throws ApiError {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw ApiError.invalidParameter(field + " must be a string");
        }
        return Optional.of(value.textValue());
    }

    private static String limitedText(JsonNode body, String field) throws ApiError {
        String text = text(body, field).orElse("");
        int characters = text.codePointCount(0, text.length());
        if (characters > MAX_PROMPT_CHARACTERS) {
            throw ApiError.invalidParameter(field + " must be at most " + MAX_PROMPT_CHARACTERS + " characters, got " + characters);
        }
        return text;
    }

    private static <T> Optional<T> oneOf(JsonNode body, String field, T[] choices, Function<T, String> label) throws ApiError {
        Optional<String> value = text(body, field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Optional<T> choice = Arrays.stream(choices).filter(candidate -> label.apply(candidate).equals(value.get())).findFirst();
        if (choice.isEmpty()) {
            String allowed = Arrays.stream(choices).map(label).collect(Collectors.joining(", "));
            throw ApiError.invalidParameter(field + " must be one of " + allowed + ", got \"" + value.get() + "\"");
        }
        return choice;
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

    private static Optional<URI> imageUrl(JsonNode body, String field) throws ApiError {
        Optional<String> value = text(body, field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        URI url = absoluteUrl(field, value.get());
        // The real service needs a public URL; the sandbox runs beside its images, so plain http is fine.
        if (!url.getScheme().equalsIgnoreCase("http") && !url.getScheme().equalsIgnoreCase("https")) {
            throw ApiError.invalidParameter(field + " must be an http or https URL");
        }
        return Optional.of(url);
    }

    private static Optional<URI> callbackUrl(JsonNode body) throws ApiError {
        Optional<String> value = text(body, "callback_url");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().length() > MAX_CALLBACK_URL_LENGTH) {
            throw ApiError.invalidParameter("callback_url must be at most " + MAX_CALLBACK_URL_LENGTH + " characters");
        }
        URI url = absoluteUrl("callback_url", value.get());
        // The real service takes HTTPS only; the sandbox also takes plain http to this machine, where local receivers live.
        boolean localHttp = url.getScheme().equalsIgnoreCase("http") && LOOPBACK_HOSTS.contains(url.getHost());
        if (!url.getScheme().equalsIgnoreCase("https") && !localHttp) {
            throw ApiError.invalidParameter("callback_url must be an https URL (the sandbox also accepts http://127.0.0.1)");
        }
        return Optional.of(url);
    }

    private static URI absoluteUrl(String field, String value) throws ApiError {
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
