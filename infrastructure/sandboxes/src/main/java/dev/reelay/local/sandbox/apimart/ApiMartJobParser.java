package dev.reelay.local.sandbox.apimart;

import static dev.reelay.local.sandbox.KlingRelay.ASPECT_RATIOS;
import static dev.reelay.local.sandbox.KlingRelay.DEFAULT_DURATION_SECONDS;
import static dev.reelay.local.sandbox.KlingRelay.MAX_DURATION_SECONDS;
import static dev.reelay.local.sandbox.KlingRelay.MAX_PROMPT_CHARACTERS;
import static dev.reelay.local.sandbox.KlingRelay.MIN_DURATION_SECONDS;
import static dev.reelay.local.sandbox.KlingRelay.invalid;
import static dev.reelay.local.sandbox.KlingRelay.limitedText;
import static dev.reelay.local.sandbox.KlingRelay.shots;
import static dev.reelay.local.sandbox.KlingRelay.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.AspectRatio;
import dev.reelay.local.sandbox.ImageInput;
import dev.reelay.local.sandbox.Job;
import dev.reelay.local.sandbox.Quality;
import dev.reelay.local.sandbox.RequestFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks an APIMart create request against its documented rules (docs/vendors.md). Fields it does not know are
 * ignored, as JSON APIs do; {@code shot_type} and {@code multi_prompt} only count with {@code multi_shot=true}
 * (Kling, which APIMart relays, ignores them otherwise).
 */
final class ApiMartJobParser {
    static final String MODEL = "kling-v3";
    /** Where APIMart's on-the-fly subjects go: APIMart names the list only in prose; Reelay's adapter uses Kling's name. */
    static final String SUBJECTS = "element_list";
    private static final List<String> MODES = List.of("std", "pro", "4k");
    private static final List<String> SHOT_TYPES = List.of("customize", "intelligence");
    private static final int MAX_IMAGES = 2;
    private static final int MAX_SUBJECTS = 3;
    private static final int MIN_SUBJECT_IMAGES = 2;
    private static final int MAX_SUBJECT_IMAGES = 4;

    private ApiMartJobParser() {
    }

    static Job parse(JsonNode body) throws ApiError {
        RequestFields.oneOf(body, "model", List.of(MODEL)).orElseThrow(() -> invalid("model is required: " + MODEL));
        String prompt = limitedText(body, "prompt", "prompt", MAX_PROMPT_CHARACTERS);
        limitedText(body, "negative_prompt", "negative_prompt", MAX_PROMPT_CHARACTERS);
        Quality quality = switch (RequestFields.oneOf(body, "mode", MODES).orElse("std")) {
            case "pro" -> Quality.FULL_HD;
            case "4k" -> Quality.ULTRA_HD;
            default -> Quality.HD;
        };
        JsonNode durationValue = body.get("duration");
        int duration = durationValue == null || durationValue.isNull() ? DEFAULT_DURATION_SECONDS
                : wholeNumber(durationValue, "duration", MIN_DURATION_SECONDS, MAX_DURATION_SECONDS, false);
        Optional<AspectRatio> aspectRatio = RequestFields.oneOf(body, "aspect_ratio", ASPECT_RATIOS).flatMap(AspectRatio::fromLabel);
        List<ImageInput> images = imageUrls(body);
        boolean sound = flag(body, "audio");
        flag(body, "watermark");
        List<String> shotPrompts = List.of();
        if (flag(body, "multi_shot")) {
            String shotType = RequestFields.oneOf(body, "shot_type", SHOT_TYPES)
                    .orElseThrow(() -> invalid("shot_type is required with multi_shot=true: customize or intelligence"));
            if (shotType.equals("customize")) {
                JsonNode shots = body.get("multi_prompt");
                if (shots == null || shots.isNull()) {
                    throw invalid("multi_prompt is required with multi_shot=true and shot_type=customize");
                }
                shotPrompts = shots(shots, "multi_prompt", duration, false);
            }
        }
        if (prompt.isBlank() && shotPrompts.isEmpty()) {
            throw invalid("prompt is required (it may only be omitted with multi_shot=true and shot_type=customize)");
        }
        subjects(body);
        return new Job(MODEL, prompt.isBlank() ? String.join(" ", shotPrompts) : prompt,
                images.stream().findFirst(), images.stream().skip(1).findFirst(), duration, quality, sound,
                // "May be overridden by image ratio": with a first frame the sandbox keeps the frame's shape.
                images.isEmpty() ? aspectRatio : Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static List<ImageInput> imageUrls(JsonNode body) throws ApiError {
        JsonNode urls = body.get("image_urls");
        if (urls == null || urls.isNull()) {
            return List.of();
        }
        if (!urls.isArray() || urls.size() > MAX_IMAGES) {
            throw invalid("image_urls must be a list of at most " + MAX_IMAGES + " image URLs (the first frame, then the last), got " + urls);
        }
        List<ImageInput> images = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            images.add(url(urls.get(i), "image_urls[" + i + "]"));
        }
        return images;
    }

    /** The subjects' pictures are checked as URLs only: the sandbox renders frames, not subjects. */
    private static void subjects(JsonNode body) throws ApiError {
        JsonNode subjects = body.get(SUBJECTS);
        if (subjects == null || subjects.isNull()) {
            return;
        }
        if (!subjects.isArray() || subjects.size() > MAX_SUBJECTS) {
            throw invalid(SUBJECTS + " must be a list of at most " + MAX_SUBJECTS + " subjects, got " + subjects);
        }
        for (int i = 0; i < subjects.size(); i++) {
            JsonNode subject = subjects.get(i);
            String name = SUBJECTS + "[" + i + "]";
            if (!subject.isObject()) {
                throw invalid(name + " must be an object with name, description and element_input_urls");
            }
            for (String field : List.of("name", "description")) {
                if (limitedText(subject, field, name + "." + field, MAX_PROMPT_CHARACTERS).isBlank()) {
                    throw invalid(name + "." + field + " is required");
                }
            }
            JsonNode urls = subject.get("element_input_urls");
            if (urls == null || !urls.isArray() || urls.size() < MIN_SUBJECT_IMAGES || urls.size() > MAX_SUBJECT_IMAGES) {
                throw invalid(name + ".element_input_urls must be a list of " + MIN_SUBJECT_IMAGES + " to " + MAX_SUBJECT_IMAGES
                        + " image URLs, got " + urls);
            }
            for (int j = 0; j < urls.size(); j++) {
                url(urls.get(j), name + ".element_input_urls[" + j + "]");
            }
        }
    }

    private static ImageInput url(JsonNode value, String field) throws ApiError {
        if (!value.isTextual()) {
            throw invalid(field + " must be a URL string, got " + value);
        }
        return ImageInput.url(field, value.textValue());
    }

    private static boolean flag(JsonNode body, String field) throws ApiError {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalid(field + " must be true or false, got " + value);
        }
        return value.booleanValue();
    }
}
