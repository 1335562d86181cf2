package dev.reelay.adapter.provider.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.VideoDownload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/** The gateway adapter against the gateway's documented curl examples and answers, played by a local fake gateway. */
class GatewayProviderClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CREATED = """
            {"id":"task_xxx","task_id":"task_xxx","object":"video.generation.job","model":"kling-v3-std-silent","status":"queued","progress":0}""";

    private final FakeVendor vendor = new FakeVendor();
    private final GatewayProviderClient client = new GatewayProviderClient(FakeVendor.HTTP, vendor.base(), () -> "sk-test", JSON);

    @AfterEach
    void stop() {
        vendor.close();
    }

    static ProviderJob job(String prompt, String negativePrompt, String first, String last, int duration, String quality,
                           String sound, String aspectRatio, Map<String, Object> params) {
        return new ProviderJob("task-reelay-1", first == null ? "kling-v3-text-to-video" : "kling-v3-image-to-video", prompt,
                negativePrompt, image(first), image(last), duration, quality, sound, aspectRatio, null, params);
    }

    private static ProviderImage image(String url) {
        return url == null ? null : new ProviderImage(URI.create(url), () -> {
            throw new AssertionError("the gateway takes image URLs; bytes must not be loaded");
        });
    }

    static Stream<Arguments> documentedExamples() {
        return Stream.of(
                Arguments.of("Text-To-Video Example", job(
                        "A wide cinematic shot of a traveler walking through dusty desert ruins, cloak moving in the wind, slow pullback, natural motion.",
                        "blur, low detail", null, null, 5, "720p", "off", "16:9",
                        Map.of("cfg_scale", 0.5, "shot_type", "customize")), """
                        {
                        "model": "kling-v3-std-silent",
                        "prompt": "A wide cinematic shot of a traveler walking through dusty desert ruins, cloak moving in the wind, slow pullback, natural motion.",
                        "aspect_ratio": "16:9",
                        "duration": 5,
                        "extra_body": {
                        "cfg_scale": 0.5,
                        "shot_type": "customize",
                        "negative_prompt": "blur, low detail"
                        }
                        }"""),
                // Reelay (like Kling) spells the shot type "intelligence"; the gateway's "intelligent" is the adapter's translation.
                Arguments.of("Image-To-Video Example", job(
                        "The person writes naturally in a notebook, subtle hand detail, small thoughtful pauses, soft classroom depth of field.",
                        "artifacts, distortion", "https://example.com/start-frame.png", null, 6, "1080p", "on", "16:9",
                        Map.of("cfg_scale", 0.6, "shot_type", "intelligence")), """
                        {
                        "model": "kling-v3-pro-audio",
                        "prompt": "The person writes naturally in a notebook, subtle hand detail, small thoughtful pauses, soft classroom depth of field.",
                        "image": "https://example.com/start-frame.png",
                        "aspect_ratio": "16:9",
                        "duration": 6,
                        "extra_body": {
                        "cfg_scale": 0.6,
                        "shot_type": "intelligent",
                        "negative_prompt": "artifacts, distortion"
                        }
                        }"""),
                Arguments.of("First-Last-Frame Example", job(
                        "The portrait subject slowly turns toward the camera while keeping identity stable and motion natural.",
                        null, "https://example.com/first-frame.png", "https://example.com/last-frame.png", 8, "1080p", "off", null,
                        Map.of()), """
                        {
                        "model": "kling-v3-pro-silent",
                        "prompt": "The portrait subject slowly turns toward the camera while keeping identity stable and motion natural.",
                        "image": "https://example.com/first-frame.png",
                        "last_image": "https://example.com/last-frame.png",
                        "duration": 8
                        }"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedExamples")
    void sendsTheDocumentedCurlExamples(String example, ProviderJob job, String expected) throws IOException {
        vendor.answer(200, CREATED);

        assertThat(client.submit(job).providerTaskId()).isEqualTo("task_xxx");

        FakeVendor.Request request = vendor.request();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/video/generations");
        assertThat(request.authorization()).isEqualTo("Bearer sk-test");
        assertThat(JSON.readTree(request.body())).isEqualTo(JSON.readTree(expected));
    }

    @Test
    void readsTheDocumentedQueryAnswer() {
        vendor.answer(200, """
                {"id":"task_xxx","task_id":"task_xxx","object":"video.generation.job","model":"kling-v3-pro-audio",
                 "status":"completed","progress":100,"video_url":"https://example.com/output.mp4"}""");

        assertThat(client.query("task_xxx"))
                .isEqualTo(new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://example.com/output.mp4"), null));
        FakeVendor.Request request = vendor.request();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v1/videos/task_xxx");
        assertThat(request.authorization()).isEqualTo("Bearer sk-test");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"queued, QUEUED", "submitted, QUEUED", "pending, QUEUED", "in_progress, RUNNING", "processing, RUNNING",
            "completed, SUCCEEDED", "succeeded, SUCCEEDED", "failed, FAILED", "cancelled, CANCELLED"})
    void mapsEveryStatusSpelling(String status, JobState state) {
        vendor.answer(200, "{\"id\":\"task_1\",\"status\":\"" + status + "\",\"progress\":\"40%\",\"video_url\":\"https://cdn/v.mp4\"}");

        JobStatus job = client.query("task_1");

        assertThat(job.state()).isEqualTo(state);
        assertThat(job.progress()).isEqualTo(state == JobState.SUCCEEDED ? 100 : 40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"output\":{\"video_url\":\"https://cdn/v.mp4\"}}", "{\"metadata\":{\"url\":\"https://cdn/v.mp4\"}}"})
    void findsTheVideoWhereNewApiVersionsPutIt(String where) throws IOException {
        var answer = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(where);
        vendor.answer(200, answer.put("id", "task_1").put("status", "completed").toString());

        assertThat(client.query("task_1").videoUrl()).isEqualTo(URI.create("https://cdn/v.mp4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"error\":{\"message\":\"risk control: sensitive content\",\"code\":\"1301\"}",
            "\"fail_reason\":\"risk control: sensitive content\""})
    void failuresCarryTheVendorsReason(String reason) {
        vendor.answer(200, "{\"id\":\"task_1\",\"status\":\"failed\",\"progress\":20," + reason + "}");

        assertThat(client.query("task_1")).isEqualTo(new JobStatus(JobState.FAILED, 20, null, "risk control: sensitive content"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"id\":\"task_1\",\"status\":\"unknown\"}", "{\"id\":\"task_1\"}",
            "{\"id\":\"task_1\",\"status\":\"completed\"}", "[]"})
    void anAnswerItCannotUseIsAnUnavailability(String answer) {
        vendor.answer(200, answer);

        assertThatThrownBy(() -> client.query("task_1")).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE))
                .satisfies(e -> assertThat(e.getMessage()).contains("gateway"));
    }

    @Test
    void refuses4kWithoutCalling() {
        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "4k", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.INVALID_REQUEST));
        assertThat(vendor.requests()).isEmpty();
    }

    @Test
    void refusesParametersItHasNoFieldForWithoutCalling() {
        var subjects = List.of(Map.of("name", "dog", "description", "a dog", "element_input_urls", List.of("https://a", "https://b")));

        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of("subjects", subjects))))
                .asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.INVALID_REQUEST))
                .satisfies(e -> assertThat(e.getMessage()).contains("subjects"));
        assertThat(vendor.requests()).isEmpty();
    }

    /** The gateway's documentation: "Passing both prompt and extra_body.multi_prompt in image mode" is an error; multi_shot has no field. */
    @Test
    void imageModeShotsGoWithoutThePrompt() throws IOException {
        vendor.answer(200, CREATED);
        var shots = List.of(Map.of("index", 1, "prompt", "Two friends talk.", "duration", "2"),
                Map.of("index", 2, "prompt", "They part ways.", "duration", "3"));

        client.submit(job("ignored by Kling for customised shots", null, "https://example.com/first.png", null, 5, "720p", "on",
                null, Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", shots,
                        "element_list", List.of(Map.of("element_id", "160")))));

        assertThat(JSON.readTree(vendor.request().body())).isEqualTo(JSON.readTree("""
                {"model":"kling-v3-std-audio","image":"https://example.com/first.png","duration":5,
                 "extra_body":{"shot_type":"customize","element_list":[{"element_id":"160"}],
                   "multi_prompt":[{"index":1,"prompt":"Two friends talk.","duration":"2"},
                                   {"index":2,"prompt":"They part ways.","duration":"3"}]}}"""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"data\":{\"task_id\":\"task_9\",\"status\":\"queued\"}}", "{\"id\":\"task_9\",\"status\":\"queued\"}"})
    void readsTheTaskIdOfEitherCreateAnswer(String answer) {
        vendor.answer(200, answer);

        assertThat(client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of())).providerTaskId()).isEqualTo("task_9");
    }

    @Test
    void aCreateAnswerWithoutTaskIdIsAnUnavailability() {
        vendor.answer(200, "{\"object\":\"video.generation.job\",\"status\":\"queued\"}");

        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE))
                .satisfies(e -> assertThat(e.getMessage()).contains("no task id"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({"401, invalid_api_key, AUTH", "402, insufficient_quota, QUOTA", "403, model_access_denied, AUTH",
            "429, rate_limit_exceeded, RATE_LIMITED", "500, upstream_error, PROVIDER_UNAVAILABLE",
            "503, model_not_available, PROVIDER_UNAVAILABLE", "400, content_policy_violation, CONTENT_POLICY",
            "400, invalid_request, INVALID_REQUEST"})
    void classifiesErrorsByStatus(int status, String code, ProviderErrorKind kind) {
        vendor.answer(status, "{\"error\":{\"message\":\"the gateway says no\",\"type\":\"new_api_error\",\"code\":\"" + code + "\"}}");

        assertThatThrownBy(() -> client.query("task_1")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.httpStatus()).isEqualTo(status);
            assertThat(e.vendorCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains("the gateway says no");
        });
    }

    @Test
    void aProxysErrorPageIsClassifiedByItsStatus() {
        vendor.answer(502, "<html><body>502 Bad Gateway</body></html>");

        assertThatThrownBy(() -> client.query("task_1")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
            assertThat(e.getMessage()).contains("502 Bad Gateway");
        });
    }

    @Test
    void anUnreachableGatewayIsAnUnavailability() {
        var offline = new GatewayProviderClient(FakeVendor.HTTP, FakeVendor.unreachable(), () -> "sk-test", JSON);

        assertThatThrownBy(() -> offline.query("task_1")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
            assertThat(e.httpStatus()).isZero();
        });
    }

    @Test
    void readsAJobShapedCallback() {
        byte[] body = "{\"id\":\"task_1\",\"status\":\"completed\",\"video_url\":\"https://cdn/v.mp4\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(client.parseCallback(body)).hasValueSatisfying(report -> {
            assertThat(report.providerTaskId()).isEqualTo("task_1");
            assertThat(report.status().videoUrl()).isEqualTo(URI.create("https://cdn/v.mp4"));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[1,2]", "{}", "{\"id\":\"task_1\"}", "{\"status\":\"completed\"}",
            "{\"id\":\"task_1\",\"status\":\"dancing\"}"})
    void ignoresCallbacksThatAreNotJobs(String body) {
        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void downloadsTheVideoWithoutSendingTheApiKey() throws IOException {
        vendor.answer(200, "video bytes");

        VideoDownload download = client.download(vendor.base().resolve("/files/v.mp4"));

        try (InputStream body = download.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("video bytes");
        }
        assertThat(download.contentLength()).isEqualTo(11);
        assertThat(vendor.request().authorization()).isNull();
    }

    @Test
    void aMissingVideoIsNotFound() {
        vendor.answer(404, "gone");

        assertThatThrownBy(() -> client.download(vendor.base().resolve("/files/v.mp4"))).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.NOT_FOUND));
    }

    @Test
    void keepsThePathOfItsBaseUrl() {
        var behindAPrefix = new GatewayProviderClient(FakeVendor.HTTP, vendor.base().resolve("/api/"), () -> "sk-test", JSON);
        vendor.answer(200, "{\"id\":\"task 1/a\",\"status\":\"queued\"}");

        behindAPrefix.query("task 1/a");

        assertThat(vendor.request().path()).isEqualTo("/api/v1/videos/task%201%2Fa");
    }

    @Test
    void offersNeitherCancelNorLookupByExternalId() {
        assertThat(client.cancel("task_1")).isFalse();
        assertThat(client.findByExternalTaskId("task-reelay-1")).isEmpty();
        assertThat(client.name()).isEqualTo("gateway");
        assertThat(vendor.requests()).isEmpty();
    }
}
