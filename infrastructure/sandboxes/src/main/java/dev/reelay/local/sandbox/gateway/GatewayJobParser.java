package dev.reelay.local.sandbox.gateway;

import static dev.reelay.local.sandbox.KlingRelay.MAX_PROMPT_CHARACTERS;
import static dev.reelay.local.sandbox.KlingRelay.invalid;
import static dev.reelay.local.sandbox.KlingRelay.limitedText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.AspectRatio;
import dev.reelay.local.sandbox.ImageInput;
import dev.reelay.local.sandbox.Job;
import dev.reelay.local.sandbox.KlingRelay;
import dev.reelay.local.sandbox.Quality;
import dev.reelay.local.sandbox.RequestFields;
import java.util.List;
import java.util.Optional;

/**
 * Checks a gateway create request against its documented rules (docs/vendors.md). The model id carries tier and
 * sound; Kling's own fields sit under {@code extra_body} and follow Kling's rules, since the gateway relays
 * them. Fields it does not know are ignored, as JSON APIs do.
 */
final class GatewayJobParser {
    static final List<String> MODELS = List.of("kling-v3-std-silent", "kling-v3-std-audio", "kling-v3-pro-silent", "kling-v3-pro-audio");
    private static final List<String> SHOT_TYPES = List.of("customize", "intelligent");
    private static final int MAX_ELEMENTS = 3;

    private GatewayJobParser() {
    }

    static Job parse(JsonNode body) throws ApiError {
        String model = RequestFields.oneOf(body, "model", MODELS)
                .orElseThrow(() -> invalid("model is required: one of " + String.join(", ", MODELS)));
        String prompt = limitedText(body, "prompt", "prompt", MAX_PROMPT_CHARACTERS);
        Optional<ImageInput> image = imageUrl(body, "image");
        Optional<ImageInput> lastImage = imageUrl(body, "last_image");
        if (lastImage.isPresent() && image.isEmpty()) {
            throw invalid("last_image needs image: a last frame is only used with a first frame");
        }
        Optional<AspectRatio> aspectRatio = RequestFields.oneOf(body, "aspect_ratio", KlingRelay.ASPECT_RATIOS)
                .flatMap(AspectRatio::fromLabel);
        JsonNode durationValue = body.get("duration");
        int duration = durationValue == null || durationValue.isNull() ? KlingRelay.DEFAULT_DURATION_SECONDS
                : KlingRelay.wholeNumber(durationValue, "duration", KlingRelay.MIN_DURATION_SECONDS,
                        KlingRelay.MAX_DURATION_SECONDS, false);
        List<String> shotPrompts = extraBody(body.get("extra_body"), duration);
        boolean shotsReplacePrompt = image.isPresent() && !shotPrompts.isEmpty();
        if (shotsReplacePrompt && !prompt.isBlank()) {
            throw invalid("prompt must not be sent with extra_body.multi_prompt in image mode: the shots' prompts replace it");
        }
        if (!shotsReplacePrompt && prompt.isBlank()) {
            throw invalid("prompt is required");
        }
        // kling-v3-{std|pro}-{silent|audio}
        String[] parts = model.split("-");
        return new Job(model, shotsReplacePrompt ? String.join(" ", shotPrompts) : prompt, image, lastImage, duration,
                parts[2].equals("pro") ? Quality.FULL_HD : Quality.HD, parts[3].equals("audio"),
                // "Image-to-video may not guarantee this ratio": with a first frame the sandbox keeps the frame's shape.
                image.isEmpty() ? aspectRatio : Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Checks {@code extra_body}; returns the prompts of its {@code multi_prompt} shots, empty without any. */
    private static List<String> extraBody(JsonNode extra, int duration) throws ApiError {
        if (extra == null || extra.isNull()) {
            return List.of();
        }
        if (!extra.isObject()) {
            throw invalid("extra_body must be an object, got " + extra);
        }
        limitedText(extra, "negative_prompt", "extra_body.negative_prompt", MAX_PROMPT_CHARACTERS);
        JsonNode cfgScale = extra.get("cfg_scale");
        if (cfgScale != null && !cfgScale.isNull() && (!cfgScale.isNumber() || cfgScale.doubleValue() < 0 || cfgScale.doubleValue() > 1)) {
            throw invalid("extra_body.cfg_scale must be a number from 0 to 1, got " + cfgScale);
        }
        RequestFields.oneOf(extra, "shot_type", SHOT_TYPES);
        JsonNode elements = extra.get("element_list");
        if (elements != null && !elements.isNull()
                && !(elements.isArray() && elements.size() <= MAX_ELEMENTS && elements.valueStream().allMatch(JsonNode::isObject))) {
            throw invalid("extra_body.element_list must be a list of at most " + MAX_ELEMENTS + " element objects, got " + elements);
        }
        JsonNode shots = extra.get("multi_prompt");
        // Kling, where the shots end up, writes shot durations quoted.
        return shots == null || shots.isNull() ? List.of() : KlingRelay.shots(shots, "extra_body.multi_prompt", duration, true);
    }

    private static Optional<ImageInput> imageUrl(JsonNode body, String field) throws ApiError {
        Optional<String> value = RequestFields.text(body, field);
        return value.isPresent() ? Optional.of(ImageInput.url(field, value.get())) : Optional.empty();
    }
}
