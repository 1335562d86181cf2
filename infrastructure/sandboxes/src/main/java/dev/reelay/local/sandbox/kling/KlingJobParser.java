package dev.reelay.local.sandbox.kling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.AspectRatio;
import dev.reelay.local.sandbox.ImageInput;
import dev.reelay.local.sandbox.Job;
import dev.reelay.local.sandbox.Quality;
import dev.reelay.local.sandbox.RequestFields;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks a Kling create request (docs/vendors.md) on image2video or text2video and turns it into a {@link Job}.
 * Blank strings count as absent: Kling's own examples send {@code "callback_url": ""} and the like.
 */
final class KlingJobParser {
    static final String IMAGE2VIDEO = "image2video";
    static final String TEXT2VIDEO = "text2video";
    /** Every {@code model_name} of Kling's documented enum; the sandbox renders them all alike. */
    static final List<String> MODELS = List.of("kling-v1", "kling-v1-5", "kling-v1-6", "kling-v2-master", "kling-v2-1",
            "kling-v2-1-master", "kling-v2-5-turbo", "kling-v2-6", "kling-v3");
    /** What the API uses without a {@code model_name} (the legacy {@code model} field is ignored, as Kling's documentation says). */
    private static final String DEFAULT_MODEL = "kling-v1";
    private static final int MAX_PROMPT = 2500;
    private static final int MAX_SHOT_PROMPT = 512;
    private static final int MAX_SHOTS = 6;
    private static final int MAX_ELEMENTS = 3;
    private static final int MAX_VOICES = 2;
    private static final int MAX_DYNAMIC_MASKS = 6;
    private static final int MAX_TRAJECTORY_POINTS = 77;
    private static final int MIN_DURATION = 3;
    private static final int MAX_DURATION = 15;
    private static final int DEFAULT_DURATION = 5;
    private static final List<String> ASPECT_RATIOS = Arrays.stream(AspectRatio.values()).map(AspectRatio::label).toList();
    private static final List<String> CAMERA_TYPES = List.of("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward");
    private static final List<String> CAMERA_AXES = List.of("horizontal", "vertical", "pan", "tilt", "roll", "zoom");

    private KlingJobParser() {
    }

    static Job parse(String endpoint, JsonNode body) throws ApiError {
        String model = text(body, "model_name").orElse(DEFAULT_MODEL);
        if (!MODELS.contains(model)) {
            throw invalid("model_name " + model + " is not one of Kling's models: " + String.join(", ", MODELS));
        }
        int duration = body.hasNonNull("duration") ? seconds(body.get("duration"), "duration", MIN_DURATION, MAX_DURATION) : DEFAULT_DURATION;
        boolean multiShot = flag(body, "multi_shot");
        boolean customShots = multiShot && RequestFields.oneOf(body, "shot_type", List.of("customize", "intelligence"))
                .orElseThrow(() -> invalid("shot_type is required when multi_shot is true")).equals("customize");
        // With custom shots the top-level prompt is ignored (Kling calls it "invalid"); the shots' prompts make the backdrop.
        String prompt = customShots ? shotPrompts(body, duration) : limitedText(body, "prompt", MAX_PROMPT);
        if (prompt.isBlank()) {
            throw invalid("prompt is required unless multi_shot is true with shot_type customize");
        }
        limitedText(body, "negative_prompt", MAX_PROMPT);
        Quality quality = RequestFields.oneOf(body, "mode", List.of("std", "pro")).orElse("std").equals("pro") ? Quality.FULL_HD : Quality.HD;
        boolean sound = RequestFields.oneOf(body, "sound", List.of("on", "off")).orElse("off").equals("on");
        checkCfgScale(body);
        checkWatermark(body);
        boolean elements = checkElements(body);
        checkVoices(body, sound, elements);
        boolean camera = checkCameraControl(body);

        Optional<ImageInput> image = Optional.empty();
        Optional<ImageInput> tail = Optional.empty();
        Optional<AspectRatio> aspectRatio = Optional.empty();
        if (endpoint.equals(IMAGE2VIDEO)) {
            image = image(body, "image");
            tail = image(body, "image_tail");
            if (image.isEmpty() && tail.isEmpty()) {
                throw invalid("image or image_tail is required");
            }
            if (multiShot && tail.isPresent()) {
                throw invalid("image_tail is not supported with multi_shot");
            }
            boolean masks = checkMasks(body);
            if ((tail.isPresent() ? 1 : 0) + (masks ? 1 : 0) + (camera ? 1 : 0) > 1) {
                throw invalid("image_tail, static_mask/dynamic_masks and camera_control are mutually exclusive");
            }
        } else {
            // Kling's documented image2video has no aspect_ratio: there the frame sets the shape.
            aspectRatio = RequestFields.oneOf(body, "aspect_ratio", ASPECT_RATIOS).flatMap(AspectRatio::fromLabel);
        }
        // The kit's Job has no end frame without a first frame: a lone image_tail is rendered as a still.
        Optional<ImageInput> firstFrame = image.isPresent() ? image : tail;
        Optional<ImageInput> lastFrame = image.isPresent() ? tail : Optional.empty();
        return new Job(model, prompt, firstFrame, lastFrame, duration, quality, sound, aspectRatio,
                callbackUrl(body), text(body, "external_task_id"));
    }

    /** A whole number of seconds from min to max, as a string ("5", the documented type) or a JSON integer. */
    private static int seconds(JsonNode value, String field, int min, int max) throws ApiError {
        String digits = value == null ? "" : value.isTextual() ? value.textValue() : value.isIntegralNumber() ? value.asText() : "";
        if (!digits.matches("\\d{1,2}") || Integer.parseInt(digits) < min || Integer.parseInt(digits) > max) {
            throw invalid(field + " must be a whole number of seconds from " + min + " to " + max + " such as \"" + min + "\", got " + value);
        }
        return Integer.parseInt(digits);
    }

    /** A boolean; Kling's own example sends {@code "multi_shot": "true"}, so "true"/"false" strings pass too. */
    private static boolean flag(JsonNode body, String field) throws ApiError {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual() && List.of("true", "false").contains(value.textValue())) {
            return Boolean.parseBoolean(value.textValue());
        }
        throw invalid(field + " must be true or false, got " + value);
    }

    /** The custom shots' prompts in index order, after checking the shots add up to the task's duration. */
    private static String shotPrompts(JsonNode body, int duration) throws ApiError {
        JsonNode shots = body.get("multi_prompt");
        if (shots == null || !shots.isArray() || shots.isEmpty() || shots.size() > MAX_SHOTS) {
            throw invalid("multi_prompt must list 1 to " + MAX_SHOTS + " shots when shot_type is customize");
        }
        TreeMap<Integer, String> prompts = new TreeMap<>();
        int total = 0;
        for (int i = 0; i < shots.size(); i++) {
            JsonNode shot = shots.get(i);
            String field = "multi_prompt[" + i + "]";
            if (!shot.isObject() || !shot.path("index").isIntegralNumber()) {
                throw invalid(field + " must be an object with an integer index");
            }
            String prompt = limitedText(shot, "prompt", MAX_SHOT_PROMPT);
            if (prompt.isBlank()) {
                throw invalid(field + ".prompt is required");
            }
            if (prompts.put(shot.get("index").asInt(), prompt) != null) {
                throw invalid(field + ".index " + shot.get("index").asInt() + " is repeated");
            }
            total += seconds(shot.get("duration"), field + ".duration", 1, duration);
        }
        if (prompts.firstKey() != 1 || prompts.lastKey() != shots.size()) {
            throw invalid("multi_prompt indexes must run from 1 to " + shots.size() + " without gaps, got " + prompts.keySet());
        }
        if (total != duration) {
            throw invalid("multi_prompt durations must add up to duration " + duration + ", got " + total);
        }
        return String.join(" / ", prompts.values());
    }

    private static void checkCfgScale(JsonNode body) throws ApiError {
        JsonNode value = body.get("cfg_scale");
        if (value != null && !value.isNull() && (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 1)) {
            throw invalid("cfg_scale must be a number from 0 to 1, got " + value);
        }
    }

    private static void checkWatermark(JsonNode body) throws ApiError {
        JsonNode value = body.get("watermark_info");
        if (value != null && !value.isNull() && (!value.isObject() || !value.path("enabled").isBoolean())) {
            throw invalid("watermark_info must be {\"enabled\": true|false}, got " + value);
        }
    }

    /** True when elements are referenced; element ids are longs, also accepted as digit strings as one of Kling's examples sends them. */
    private static boolean checkElements(JsonNode body) throws ApiError {
        JsonNode elements = list(body, "element_list", MAX_ELEMENTS);
        for (JsonNode element : elements) {
            JsonNode id = element.path("element_id");
            if (!id.isIntegralNumber() && !(id.isTextual() && id.textValue().matches("\\d{1,19}"))) {
                throw invalid("element_list[].element_id must be a number, got " + id);
            }
        }
        return !elements.isEmpty();
    }

    private static void checkVoices(JsonNode body, boolean sound, boolean elements) throws ApiError {
        JsonNode voices = list(body, "voice_list", MAX_VOICES);
        for (JsonNode voice : voices) {
            if (!voice.path("voice_id").isTextual() || voice.get("voice_id").textValue().isBlank()) {
                throw invalid("voice_list[].voice_id must be a non-empty string, got " + voice.get("voice_id"));
            }
        }
        if (!voices.isEmpty() && !sound) {
            throw invalid("voice_list needs sound \"on\"");
        }
        if (!voices.isEmpty() && elements) {
            throw invalid("element_list and voice_list are mutually exclusive");
        }
    }

    /** True when camera_control is given: a documented type, and for {@code simple} exactly one non-zero axis in [-10, 10]. */
    private static boolean checkCameraControl(JsonNode body) throws ApiError {
        JsonNode camera = body.get("camera_control");
        if (camera == null || camera.isNull()) {
            return false;
        }
        if (!camera.isObject()) {
            throw invalid("camera_control must be an object");
        }
        String type = RequestFields.oneOf(camera, "type", CAMERA_TYPES).orElseThrow(() -> invalid("camera_control.type is required"));
        JsonNode config = camera.get("config");
        if (!type.equals("simple")) {
            if (config != null && !config.isNull()) {
                throw invalid("camera_control.config is only for type simple");
            }
            return true;
        }
        if (config == null || !config.isObject()) {
            throw invalid("camera_control.config is required for type simple");
        }
        int nonZero = 0;
        for (String axis : CAMERA_AXES) {
            JsonNode value = config.get(axis);
            if (value != null && (!value.isNumber() || Math.abs(value.asDouble()) > 10)) {
                throw invalid("camera_control.config." + axis + " must be a number from -10 to 10, got " + value);
            }
            nonZero += value != null && value.asDouble() != 0 ? 1 : 0;
        }
        if (nonZero != 1) {
            throw invalid("camera_control.config must set exactly one of " + String.join(", ", CAMERA_AXES) + " to a non-zero value");
        }
        return true;
    }

    /**
     * True when a motion brush is given. Masks are checked for form only (URL or raw base64, trajectories of
     * 2 to 77 integer points): the sandbox does not animate them.
     */
    private static boolean checkMasks(JsonNode body) throws ApiError {
        boolean staticMask = image(body, "static_mask").isPresent();
        JsonNode dynamic = list(body, "dynamic_masks", MAX_DYNAMIC_MASKS);
        for (int i = 0; i < dynamic.size(); i++) {
            String field = "dynamic_masks[" + i + "]";
            if (image(dynamic.get(i), "mask").isEmpty()) {
                throw invalid(field + ".mask is required");
            }
            JsonNode points = dynamic.get(i).path("trajectories");
            if (!points.isArray() || points.size() < 2 || points.size() > MAX_TRAJECTORY_POINTS) {
                throw invalid(field + ".trajectories must list 2 to " + MAX_TRAJECTORY_POINTS + " points");
            }
            for (JsonNode point : points) {
                if (!point.path("x").isIntegralNumber() || !point.path("y").isIntegralNumber()) {
                    throw invalid(field + ".trajectories[] must be {\"x\": int, \"y\": int}, got " + point);
                }
            }
        }
        return staticMask || !dynamic.isEmpty();
    }

    /** An array of objects of at most max items; an empty array when absent. */
    private static JsonNode list(JsonNode body, String field, int max) throws ApiError {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!value.isArray() || value.size() > max) {
            throw invalid(field + " must be a list of at most " + max + " items");
        }
        for (JsonNode item : value) {
            if (!item.isObject()) {
                throw invalid(field + " items must be objects, got " + item);
            }
        }
        return value;
    }

    /** A URL the kit downloads or raw base64; Kling documents a {@code data:} prefix as wrong. */
    private static Optional<ImageInput> image(JsonNode body, String field) throws ApiError {
        Optional<String> value = text(body, field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().regionMatches(true, 0, "data:", 0, 5)) {
            throw invalid(field + " must be an image URL or raw base64 without a data: prefix");
        }
        // Base64 has no ':', so "://" tells a URL apart.
        return Optional.of(value.get().contains("://") ? ImageInput.url(field, value.get()) : ImageInput.base64(field, value.get()));
    }

    private static Optional<URI> callbackUrl(JsonNode body) throws ApiError {
        Optional<String> value = text(body, "callback_url");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        URI url = RequestFields.absoluteUrl("callback_url", value.get());
        if (!List.of("http", "https").contains(url.getScheme().toLowerCase(Locale.ROOT))) {
            throw invalid("callback_url must be an http or https URL, got \"" + value.get() + "\"");
        }
        return Optional.of(url);
    }

    private static String limitedText(JsonNode body, String field, int max) throws ApiError {
        String text = RequestFields.text(body, field).orElse("");
        int characters = text.codePointCount(0, text.length());
        if (characters > max) {
            throw invalid(field + " must be at most " + max + " characters, got " + characters);
        }
        return text;
    }

    private static Optional<String> text(JsonNode body, String field) throws ApiError {
        return RequestFields.text(body, field).filter(value -> !value.isBlank());
    }

    private static ApiError invalid(String message) {
        return ApiError.invalidParameter(message);
    }
}
