package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Kling v3's request rules as the vendors that relay it (APIMart, the gateway) restate them: prompt length,
 * duration, aspect ratios and storyboards. Shared by their dialects' job parsers.
 */
public final class KlingRelay {
    public static final int MAX_PROMPT_CHARACTERS = 2500;
    public static final int DEFAULT_DURATION_SECONDS = 5;
    public static final int MIN_DURATION_SECONDS = 3;
    public static final int MAX_DURATION_SECONDS = 15;
    public static final List<String> ASPECT_RATIOS = Arrays.stream(AspectRatio.values()).map(AspectRatio::label).toList();
    private static final int MAX_SHOTS = 6;
    private static final int MAX_SHOT_PROMPT_CHARACTERS = 512;

    private KlingRelay() {
    }

    /**
     * Kling's storyboard rules, which APIMart restates and the gateway passes on to Kling: 1 to 6 shots indexed
     * 1, 2, ... in order, each with a prompt of at most 512 characters and a duration of at least 1 s, the
     * durations adding up to the task's. Returns the shots' prompts.
     *
     * @param quotedNumbers whether {@code "5"} counts as 5, as Kling writes shot durations
     */
    public static List<String> shots(JsonNode shots, String field, int totalSeconds, boolean quotedNumbers) throws ApiError {
        if (!shots.isArray() || shots.isEmpty() || shots.size() > MAX_SHOTS) {
            throw invalid(field + " must be a list of 1 to " + MAX_SHOTS + " shots, got " + shots);
        }
        List<String> prompts = new ArrayList<>();
        int sum = 0;
        for (int i = 0; i < shots.size(); i++) {
            JsonNode shot = shots.get(i);
            String name = field + "[" + i + "]";
            if (!shot.isObject()) {
                throw invalid(name + " must be an object with index, prompt and duration");
            }
            if (wholeNumber(shot.get("index"), name + ".index", 1, MAX_SHOTS, quotedNumbers) != i + 1) {
                throw invalid(name + ".index must be " + (i + 1) + ": indexes start from 1 and are continuous");
            }
            String prompt = limitedText(shot, "prompt", name + ".prompt", MAX_SHOT_PROMPT_CHARACTERS);
            if (prompt.isBlank()) {
                throw invalid(name + ".prompt is required");
            }
            prompts.add(prompt);
            sum += wholeNumber(shot.get("duration"), name + ".duration", 1, totalSeconds, quotedNumbers);
        }
        if (sum != totalSeconds) {
            throw invalid(field + " durations add up to " + sum + " s, but duration is " + totalSeconds + " s");
        }
        return prompts;
    }

    /** A whole number from min to max; a quoted one only when quotedNumbers allows it. */
    public static int wholeNumber(JsonNode value, String field, int min, int max, boolean quotedNumbers) throws ApiError {
        if (value != null && value.isTextual() && !quotedNumbers) {
            throw invalid(field + " must be a plain number without quotes, got " + value);
        }
        OptionalInt number = value == null ? OptionalInt.empty()
                : value.isIntegralNumber() && value.canConvertToInt() ? OptionalInt.of(value.intValue())
                : value.isTextual() && value.textValue().strip().matches("\\d{1,6}") ? OptionalInt.of(Integer.parseInt(value.textValue().strip()))
                : OptionalInt.empty();
        if (number.isEmpty() || number.getAsInt() < min || number.getAsInt() > max) {
            throw invalid(field + " must be a whole number from " + min + " to " + max + ", got " + (value == null ? "nothing" : value));
        }
        return number.getAsInt();
    }

    /** The field's text, empty when absent; label names it in refusals. */
    public static String limitedText(JsonNode node, String field, String label, int maxCharacters) throws ApiError {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw invalid(label + " must be a string");
        }
        String text = value.textValue();
        int characters = text.codePointCount(0, text.length());
        if (characters > maxCharacters) {
            throw invalid(label + " must be at most " + maxCharacters + " characters, got " + characters);
        }
        return text;
    }

    public static ApiError invalid(String message) {
        return ApiError.invalidParameter(message);
    }
}
