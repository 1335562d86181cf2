package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every model_params rule of the public API (docs/api.md): at least one refusal and one acceptance each, and routing by capability. */
class ModelParamsTest {
    private static final GenerationRequestParser PARSER = new GenerationRequestParser();

    private static Map<String, Object> body(Map<String, Object> params, Object... more) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", "https://example.com/a.jpg", "duration", 5, "model_params", params));
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) {
                body.remove((String) more[i]);
            } else {
                body.put((String) more[i], more[i + 1]);
            }
        }
        return body;
    }

    private static Map<String, Object> shot(int index, String prompt, Object duration) {
        return Map.of("index", index, "prompt", prompt, "duration", duration);
    }

    private static Map<String, Object> storyboard(List<Map<String, Object>> shots) {
        return Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", shots);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("not an object", body(Map.of(), "model_params", "x"), "model_params", "invalid_model_params"),
                Arguments.of("unknown field", body(Map.of("speed", 2)), "model_params.speed", "unknown_parameter"),
                Arguments.of("multi_shot not boolean", body(Map.of("multi_shot", "yes")), "model_params.multi_shot", "invalid_type"),
                Arguments.of("multi-shot without shot_type", body(Map.of("multi_shot", true)), "model_params.shot_type", "invalid_shot_type"),
                Arguments.of("shot_type without multi_shot", body(Map.of("shot_type", "customize")), "model_params.shot_type", "multi_shot_required"),
                Arguments.of("customize without shots", body(Map.of("multi_shot", true, "shot_type", "customize")), "model_params.multi_prompt", "invalid_multi_prompt"),
                Arguments.of("seven shots", body(storyboard(List.of(shot(1, "a", 1), shot(2, "b", 1), shot(3, "c", 1), shot(4, "d", 1),
                        shot(5, "e", 1), shot(6, "f", 1), shot(7, "g", 1))), "duration", 7), "model_params.multi_prompt", "invalid_multi_prompt"),
                Arguments.of("indexes with a gap", body(storyboard(List.of(shot(1, "a", 2), shot(3, "b", 3)))), "model_params.multi_prompt[1].index", "invalid_multi_prompt"),
                Arguments.of("a shot prompt over 512", body(storyboard(List.of(shot(1, "a".repeat(513), 5)))), "model_params.multi_prompt[0].prompt", "invalid_multi_prompt"),
                Arguments.of("a shot of 0 s", body(storyboard(List.of(shot(1, "a", 0), shot(2, "b", 5)))), "model_params.multi_prompt[0].duration", "invalid_multi_prompt"),
                Arguments.of("shots not adding up", body(storyboard(List.of(shot(1, "a", 2), shot(2, "b", 2)))), "model_params.multi_prompt", "invalid_multi_prompt"),
                Arguments.of("four elements", body(Map.of("element_list", List.of(Map.of("element_id", 1), Map.of("element_id", 2),
                        Map.of("element_id", 3), Map.of("element_id", 4)))), "model_params.element_list", "invalid_element_list"),
                Arguments.of("a reference to a missing element", body(Map.of("element_list", List.of(Map.of("element_id", 7))),
                        "prompt", "<<<element_2>>> waves"), "model_params.element_list", "unknown_element_reference"),
                Arguments.of("three voices", body(Map.of("voice_list", List.of(Map.of("voice_id", "a"), Map.of("voice_id", "b"),
                        Map.of("voice_id", "c"))), "sound", "on"), "model_params.voice_list", "invalid_voice_list"),
                Arguments.of("voices without sound", body(Map.of("voice_list", List.of(Map.of("voice_id", "a")))), "model_params.voice_list", "voices_need_sound"),
                Arguments.of("voices with elements", body(Map.of("voice_list", List.of(Map.of("voice_id", "a")),
                        "element_list", List.of(Map.of("element_id", 1))), "sound", "on"), "model_params.voice_list", "voices_with_elements"),
                Arguments.of("watermark not {enabled}", body(Map.of("watermark_info", Map.of("on", true))), "model_params.watermark_info", "invalid_watermark_info"),
                Arguments.of("cfg_scale above 1", body(Map.of("cfg_scale", 1.5)), "model_params.cfg_scale", "invalid_cfg_scale"),
                Arguments.of("cfg_scale not a number", body(Map.of("cfg_scale", "0.5")), "model_params.cfg_scale", "invalid_cfg_scale"),
                Arguments.of("unknown camera type", body(Map.of("camera_control", Map.of("type", "spin"))), "model_params.camera_control", "invalid_camera_control"),
                Arguments.of("simple camera with two axes", body(Map.of("camera_control", Map.of("type", "simple", "config",
                        Map.of("pan", 2, "zoom", 3)))), "model_params.camera_control.config", "invalid_camera_control"),
                Arguments.of("four subjects", body(Map.of("subjects", List.of(subject("a"), subject("b"), subject("c"), subject("d")))),
                        "model_params.subjects", "invalid_subjects"),
                Arguments.of("a subject with one picture", body(Map.of("subjects", List.of(pictures("dog", "https://example.com/dog.jpg")))),
                        "model_params.subjects.element_input_urls", "invalid_element_input_urls"),
                Arguments.of("a subject with five pictures", body(Map.of("subjects", List.of(subject("dog", 5)))),
                        "model_params.subjects.element_input_urls", "invalid_element_input_urls"),
                Arguments.of("a subject picture on plain HTTP", body(Map.of("subjects", List.of(
                        pictures("dog", "http://example.com/1.jpg", "https://example.com/2.jpg")))),
                        "model_params.subjects.element_input_urls", "invalid_image_url"),
                Arguments.of("a subject picture at the metadata address", body(Map.of("subjects", List.of(
                        pictures("dog", "https://169.254.169.254/latest/1.jpg", "https://example.com/2.jpg")))),
                        "model_params.subjects.element_input_urls", "internal_image_url"),
                Arguments.of("a subject name with spaces", body(Map.of("subjects", List.of(pictures("my dog", TWO_PICTURES)))),
                        "model_params.subjects.name", "invalid_subjects"),
                Arguments.of("a subject without a description", body(Map.of("subjects", List.of(Map.of("name", "dog",
                        "element_input_urls", List.of(TWO_PICTURES))))),
                        "model_params.subjects.description", "invalid_subjects"),
                Arguments.of("a description over 500 characters", body(Map.of("subjects", List.of(Map.of("name", "dog",
                        "description", "d".repeat(501), "element_input_urls", List.of(TWO_PICTURES))))),
                        "model_params.subjects.description", "invalid_subjects"),
                Arguments.of("two subjects of one name", body(Map.of("subjects", List.of(subject("dog"), subject("dog")))),
                        "model_params.subjects", "invalid_subjects"),
                Arguments.of("subjects with elements", body(Map.of("subjects", List.of(subject("dog")),
                        "element_list", List.of(Map.of("element_id", 1)))),
                        "model_params.subjects", "subjects_with_elements"),
                Arguments.of("text-to-video storyboard still needs shots to add up", body(storyboard(List.of(shot(1, "a", 4))),
                        "model", "kling-v3-text-to-video", "image_start", null, "prompt", null), "model_params.multi_prompt", "invalid_multi_prompt"));
    }

    private static final String[] TWO_PICTURES = {"https://example.com/1.jpg", "https://example.com/2.jpg"};

    private static Map<String, Object> pictures(String name, String... urls) {
        return Map.of("name", name, "description", "a dog", "element_input_urls", List.of(urls));
    }

    private static Map<String, Object> subject(String name) {
        return subject(name, 2);
    }

    private static Map<String, Object> subject(String name, int pictures) {
        return Map.of("name", name, "description", "the " + name, "element_input_urls",
                java.util.stream.IntStream.rangeClosed(1, pictures).mapToObj(i -> "https://pictures.example.com/" + name + "-" + i + ".jpg").toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String rule, Map<String, Object> body, String field, String code) {
        assertThatThrownBy(() -> PARSER.parse(body)).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.code()).isEqualTo(code);
        });
    }

    static Stream<Arguments> acceptances() {
        return Stream.of(
                Arguments.of("a customized storyboard", body(storyboard(List.of(shot(1, "a", 2), shot(2, "b", "3"))))),
                Arguments.of("an intelligent multi-shot", body(Map.of("multi_shot", true, "shot_type", "intelligence"))),
                Arguments.of("three elements referenced", body(Map.of("element_list", List.of(Map.of("element_id", 1), Map.of("element_id", "2"),
                        Map.of("element_id", 3))), "prompt", "<<<element_1>>> meets <<<element_3>>>")),
                Arguments.of("two voices with sound", body(Map.of("voice_list", List.of(Map.of("voice_id", "a"), Map.of("voice_id", "b"))), "sound", "on")),
                Arguments.of("a watermark", body(Map.of("watermark_info", Map.of("enabled", false)))),
                Arguments.of("cfg_scale 0 and 1", body(Map.of("cfg_scale", 0))),
                Arguments.of("a simple camera move", body(Map.of("camera_control", Map.of("type", "simple", "config", Map.of("zoom", -4, "pan", 0))))),
                Arguments.of("a preset camera move", body(Map.of("camera_control", Map.of("type", "forward_up")))),
                Arguments.of("three on-the-fly subjects of 2 to 4 pictures", body(Map.of("subjects", List.of(subject("dog", 2), subject("cat", 4),
                        subject("bird_1", 3))), "prompt", "@dog chases @cat")),
                Arguments.of("a text-to-video storyboard without a top-level prompt", body(storyboard(List.of(shot(1, "a", 5))),
                        "model", "kling-v3-text-to-video", "image_start", null, "prompt", null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptances")
    void accepts(String rule, Map<String, Object> body) {
        assertThat(PARSER.parse(body).modelParams()).isNotEmpty();
    }

    @Test
    void shotDurationsGoToVendorsAsKlingWritesThem() {
        GenerationRequest request = PARSER.parse(body(storyboard(List.of(shot(1, "a", 2), shot(2, "b", 3)))));
        assertThat(request.modelParams().get("multi_prompt")).isEqualTo(List.of(
                Map.of("index", 1, "prompt", "a", "duration", "2"), Map.of("index", 2, "prompt", "b", "duration", "3")));
    }

    @Test
    void onlyVendorsThatSupportAParameterCanServeIt() {
        ProviderTable all = new ProviderTable(ProviderTable.KNOWN.stream()
                .map(name -> ProviderTable.defaults(name, URI.create("https://" + name + ".test"))).toList());
        assertThat(all.candidates(PARSER.parse(body(Map.of("camera_control", Map.of("type", "forward_up"))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("kling");
        assertThat(all.candidates(PARSER.parse(body(Map.of("cfg_scale", 0.4)))))
                .extracting(ProviderTable.Candidate::name).containsExactly("kling", "gateway");
        assertThat(all.candidates(PARSER.parse(body(Map.of("watermark_info", Map.of("enabled", true))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("unified", "apimart", "kling");
        assertThat(all.candidates(PARSER.parse(body(Map.of("subjects", List.of(subject("dog")))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("apimart");
        ProviderTable unifiedOnly = new ProviderTable(List.of(ProviderTable.defaults("unified", URI.create("https://u.test"))));
        assertThatThrownBy(() -> unifiedOnly.candidates(PARSER.parse(body(Map.of("camera_control", Map.of("type", "forward_up"))))))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("model_params");
                });
    }
}
