package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public API's {@code model_params} (docs/api.md; which vendor takes which, docs/vendors.md):
 * multi-shot storyboards, elements, voices, watermark, prompt adherence and camera control. Each
 * violation names its field as {@code model_params.<name>}; the result keeps the public names, for
 * the vendor adapters.
 */
final class ModelParamsParser {
    static final Set<String> FIELDS = Set.of("multi_shot", "shot_type", "multi_prompt", "element_list", "voice_list",
            "watermark_info", "cfg_scale", "camera_control", "subjects");
    private static final Set<String> SHOT_TYPES = Set.of("customize", "intelligence");
    private static final Set<String> CAMERA_TYPES = Set.of("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward");
    private static final Set<String> CAMERA_AXES = Set.of("horizontal", "vertical", "pan", "tilt", "roll", "zoom");
    private static final Pattern ELEMENT_REFERENCE = Pattern.compile("<<<element_(\\d+)>>>");
    static final int MAX_SHOTS = 6;
    static final int MAX_SHOT_PROMPT = 512;
    static final int MAX_SUBJECT_DESCRIPTION = 500;

    private ModelParamsParser() {
    }

    /** @return the validated parameters, empty when none were given */
    static Map<String, Object> parse(Object value, String prompt, int duration, Sound sound) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> params)) {
            throw invalid("model_params", "invalid_model_params", "'model_params' must be a JSON object.");
        }
        for (Object name : params.keySet()) {
            if (!FIELDS.contains(name)) {
                throw invalid("model_params." + name, "unknown_parameter", "'model_params." + name + "' is not a parameter of this API.");
            }
        }
        Map<String, Object> parsed = new LinkedHashMap<>();
        boolean multiShot = bool(params, "multi_shot");
        if (multiShot) {
            String shotType = text(params, "shot_type");
            if (shotType == null || !SHOT_TYPES.contains(shotType)) {
                throw invalid("model_params.shot_type", "invalid_shot_type",
                        "'model_params.shot_type' must be 'customize' or 'intelligence' when multi_shot is true.");
            }
            parsed.put("multi_shot", true);
            parsed.put("shot_type", shotType);
            if (shotType.equals("customize")) {
                parsed.put("multi_prompt", shots(params.get("multi_prompt"), duration));
            } else if (params.containsKey("multi_prompt")) {
                throw invalid("model_params.multi_prompt", "invalid_multi_prompt", "'model_params.multi_prompt' is only for shot_type customize.");
            }
        } else if (params.containsKey("shot_type") || params.containsKey("multi_prompt")) {
            String field = params.containsKey("shot_type") ? "shot_type" : "multi_prompt";
            throw invalid("model_params." + field, "multi_shot_required", "'model_params." + field + "' needs multi_shot true.");
        }
        List<Map<String, Object>> elements = list(params, "element_list", 3, "invalid_element_list", item -> Map.of("element_id", wholeNumber(item, "element_id", "model_params.element_list")));
        if (!elements.isEmpty()) {
            checkElementReferences(prompt, parsed, elements.size());
            parsed.put("element_list", elements);
        }
        List<Map<String, Object>> voices = list(params, "voice_list", 2, "invalid_voice_list", item -> Map.of("voice_id", itemText(item, "voice_id", "model_params.voice_list", "invalid_voice_list")));
        if (!voices.isEmpty()) {
            if (sound != Sound.ON) {
                throw invalid("model_params.voice_list", "voices_need_sound", "'model_params.voice_list' needs sound 'on'.");
            }
            if (!elements.isEmpty()) {
                throw invalid("model_params.voice_list", "voices_with_elements", "'model_params.voice_list' cannot be combined with element_list.");
            }
            parsed.put("voice_list", voices);
        }
        List<Map<String, Object>> subjects = list(params, "subjects", 3, "invalid_subjects", ModelParamsParser::subject);
        if (!subjects.isEmpty()) {
            if (!elements.isEmpty() || !voices.isEmpty()) {
                throw invalid("model_params.subjects", "subjects_with_elements",
                        "'model_params.subjects' cannot be combined with element_list or voice_list.");
            }
            if (subjects.stream().map(subject -> subject.get("name")).distinct().count() != subjects.size()) {
                throw invalid("model_params.subjects", "invalid_subjects", "Each subject of 'model_params.subjects' needs a name of its own.");
            }
            parsed.put("subjects", subjects);
        }
        if (params.containsKey("watermark_info")) {
            if (!(params.get("watermark_info") instanceof Map<?, ?> watermark) || !(watermark.get("enabled") instanceof Boolean enabled)
                    || watermark.size() != 1) {
                throw invalid("model_params.watermark_info", "invalid_watermark_info", "'model_params.watermark_info' must be {\"enabled\": true|false}.");
            }
            parsed.put("watermark_info", Map.of("enabled", enabled));
        }
        if (params.containsKey("cfg_scale")) {
            BigDecimal scale = number(params.get("cfg_scale"));
            if (scale == null || scale.compareTo(BigDecimal.ZERO) < 0 || scale.compareTo(BigDecimal.ONE) > 0) {
                throw invalid("model_params.cfg_scale", "invalid_cfg_scale", "'model_params.cfg_scale' must be a number from 0 to 1.");
            }
            parsed.put("cfg_scale", scale.doubleValue());
        }
        if (params.containsKey("camera_control")) {
            parsed.put("camera_control", cameraControl(params.get("camera_control")));
        }
        return parsed;
    }

    private static List<Map<String, Object>> shots(Object value, int duration) {
        if (!(value instanceof List<?> shots) || shots.isEmpty() || shots.size() > MAX_SHOTS) {
            throw invalid("model_params.multi_prompt", "invalid_multi_prompt",
                    "'model_params.multi_prompt' must list 1 to " + MAX_SHOTS + " shots for shot_type customize.");
        }
        List<Map<String, Object>> parsed = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < shots.size(); i++) {
            String field = "model_params.multi_prompt[" + i + "]";
            if (!(shots.get(i) instanceof Map<?, ?> shot)) {
                throw invalid(field, "invalid_multi_prompt", "'" + field + "' must be an object.");
            }
            long index = wholeNumber(shot, "index", field);
            if (index != i + 1) {
                throw invalid(field + ".index", "invalid_multi_prompt", "Shot indexes must run 1, 2, 3... without gaps; shot " + (i + 1) + " has " + index + ".");
            }
            String prompt = itemText(shot, "prompt", field, "invalid_multi_prompt");
            if (prompt.codePointCount(0, prompt.length()) > MAX_SHOT_PROMPT) {
                throw invalid(field + ".prompt", "invalid_multi_prompt", "'" + field + ".prompt' must be at most " + MAX_SHOT_PROMPT + " characters.");
            }
            Object rawDuration = shot.get("duration");
            long seconds = rawDuration instanceof String text && text.matches("\\d{1,2}") ? Long.parseLong(text)
                    : wholeNumber(shot, "duration", field);
            if (seconds < 1 || seconds > duration) {
                throw invalid(field + ".duration", "invalid_multi_prompt", "'" + field + ".duration' must be from 1 to the task's duration.");
            }
            total += (int) seconds;
            parsed.add(Map.of("index", (int) index, "prompt", prompt, "duration", Long.toString(seconds)));
        }
        if (total != duration) {
            throw invalid("model_params.multi_prompt", "invalid_multi_prompt",
                    "The shots' durations add up to " + total + " s; they must add up to 'duration' (" + duration + " s).");
        }
        return parsed;
    }

    /**
     * An on-the-fly subject (APIMart's, docs/vendors.md): a name the prompt refers to as {@code @name}, a
     * description, and 2 to 4 pictures, the first a frontal one. The vendor fetches the pictures,
     * so they follow the image URL rules: public HTTPS only, even in local mode.
     */
    private static Map<String, Object> subject(Map<?, ?> item) {
        String field = "model_params.subjects";
        String name = itemText(item, "name", field, "invalid_subjects");
        if (!name.matches("[A-Za-z0-9_]{1,32}")) {
            throw invalid(field + ".name", "invalid_subjects", "'" + field + ".name' must be 1 to 32 letters, digits or underscores.");
        }
        String description = itemText(item, "description", field, "invalid_subjects");
        if (description.codePointCount(0, description.length()) > MAX_SUBJECT_DESCRIPTION) {
            throw invalid(field + ".description", "invalid_subjects",
                    "'" + field + ".description' must be at most " + MAX_SUBJECT_DESCRIPTION + " characters.");
        }
        if (!(item.get("element_input_urls") instanceof List<?> urls) || urls.size() < 2 || urls.size() > 4
                || !urls.stream().allMatch(String.class::isInstance)) {
            throw invalid(field + ".element_input_urls", "invalid_element_input_urls",
                    "'" + field + ".element_input_urls' must list 2 to 4 image URLs, the first a frontal picture.");
        }
        for (Object url : urls) {
            ImageUrlRules.check(field + ".element_input_urls", (String) url, false);
        }
        return Map.of("name", name, "description", description,
                "element_input_urls", urls.stream().map(String.class::cast).toList());
    }

    /** {@code <<<element_N>>>} in the prompts must name one of the listed elements. */
    private static void checkElementReferences(String prompt, Map<String, Object> parsed, int elements) {
        List<String> texts = new ArrayList<>();
        if (prompt != null) {
            texts.add(prompt);
        }
        if (parsed.get("multi_prompt") instanceof List<?> shots) {
            shots.forEach(shot -> texts.add((String) ((Map<?, ?>) shot).get("prompt")));
        }
        for (String text : texts) {
            Matcher reference = ELEMENT_REFERENCE.matcher(text);
            while (reference.find()) {
                int n = Integer.parseInt(reference.group(1));
                if (n < 1 || n > elements) {
                    throw invalid("model_params.element_list", "unknown_element_reference",
                            "The prompt refers to <<<element_" + n + ">>> but element_list has " + elements + " element(s).");
                }
            }
        }
    }

    private static Map<String, Object> cameraControl(Object value) {
        String field = "model_params.camera_control";
        if (!(value instanceof Map<?, ?> control) || !(control.get("type") instanceof String type) || !CAMERA_TYPES.contains(type)) {
            throw invalid(field, "invalid_camera_control", "'" + field + ".type' must be one of " + String.join(", ", CAMERA_TYPES) + ".");
        }
        Map<String, Object> parsed = new LinkedHashMap<>(Map.of("type", type));
        Object config = control.get("config");
        if (type.equals("simple")) {
            if (!(config instanceof Map<?, ?> axes)) {
                throw invalid(field + ".config", "invalid_camera_control", "'" + field + ".config' is required for type simple.");
            }
            Map<String, Object> parsedAxes = new LinkedHashMap<>();
            int nonZero = 0;
            for (Map.Entry<?, ?> axis : axes.entrySet()) {
                BigDecimal amount = number(axis.getValue());
                if (!CAMERA_AXES.contains(axis.getKey()) || amount == null || amount.abs().compareTo(BigDecimal.TEN) > 0) {
                    throw invalid(field + ".config", "invalid_camera_control", "'" + field + ".config' takes " + String.join(", ", CAMERA_AXES) + " from -10 to 10.");
                }
                nonZero += amount.signum() != 0 ? 1 : 0;
                parsedAxes.put((String) axis.getKey(), amount.doubleValue());
            }
            if (nonZero != 1) {
                throw invalid(field + ".config", "invalid_camera_control", "Exactly one axis of '" + field + ".config' must be non-zero.");
            }
            parsed.put("config", parsedAxes);
        } else if (config != null) {
            throw invalid(field + ".config", "invalid_camera_control", "'" + field + ".config' is only for type simple.");
        }
        return parsed;
    }

    private interface Item {
        Map<String, Object> parse(Map<?, ?> item);
    }

    private static List<Map<String, Object>> list(Map<?, ?> params, String name, int max, String code, Item item) {
        Object value = params.get(name);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> items) || items.isEmpty() || items.size() > max) {
            throw invalid("model_params." + name, code, "'model_params." + name + "' must list 1 to " + max + " items.");
        }
        List<Map<String, Object>> parsed = new ArrayList<>();
        for (Object entry : items) {
            if (!(entry instanceof Map<?, ?> map)) {
                throw invalid("model_params." + name, code, "Each item of 'model_params." + name + "' must be an object.");
            }
            parsed.add(item.parse(map));
        }
        return parsed;
    }

    private static long wholeNumber(Map<?, ?> item, String name, String field) {
        Object value = item.get(name);
        BigDecimal number = value instanceof String text && text.matches("\\d{1,18}") ? new BigDecimal(text) : number(value);
        if (number == null || number.stripTrailingZeros().scale() > 0) {
            throw invalid(field + "." + name, "invalid_type", "'" + field + "." + name + "' must be a whole number.");
        }
        return number.longValueExact();
    }

    private static String itemText(Map<?, ?> item, String name, String field, String code) {
        if (!(item.get(name) instanceof String text) || text.isBlank()) {
            throw invalid(field + "." + name, code, "'" + field + "." + name + "' must be a non-empty string.");
        }
        return text;
    }

    private static BigDecimal number(Object value) {
        return value instanceof Number number && !(value instanceof Double d && (d.isNaN() || d.isInfinite()))
                ? new BigDecimal(number.toString()) : null;
    }

    private static boolean bool(Map<?, ?> params, String name) {
        Object value = params.get(name);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean flag)) {
            throw invalid("model_params." + name, "invalid_type", "'model_params." + name + "' must be true or false.");
        }
        return flag;
    }

    private static String text(Map<?, ?> params, String name) {
        return params.get(name) instanceof String text ? text : null;
    }

    private static InvalidRequestException invalid(String field, String code, String message) {
        return new InvalidRequestException(field, code, message);
    }
}
