package dev.reelay.adapter.provider.apimart;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.provider.gateway.FakeVendor;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
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

/**
 * The APIMart adapter against APIMart's documentation, played by a local fake APIMart. It names its seven
 * use cases without showing their bodies, so each expected body below is built from its
 * field documentation (example values taken from it where it gives one); case 1 also matches
 * APIMart's public curl example. Reelay always states the sound, so every body says
 * {@code "audio"} explicitly rather than leaning on an undocumented default.
 */
class ApiMartProviderClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CREATED = "{\"code\":200,\"data\":[{\"status\":\"submitted\",\"task_id\":\"task_01\"}]}";
    private static final String FIRST = "https://example.com/first.jpg";
    private static final String LAST = "https://example.com/last.jpg";

    private final FakeVendor vendor = new FakeVendor();
    private final ApiMartProviderClient client = new ApiMartProviderClient(FakeVendor.HTTP, vendor.base(), () -> "sk-apimart", JSON);

    @AfterEach
    void stop() {
        vendor.close();
    }

    private static ProviderJob job(String prompt, String negativePrompt, String first, String last, int duration, String quality,
                                   String sound, String aspectRatio, Map<String, Object> params) {
        return new ProviderJob("task-reelay-1", first == null ? "kling-v3-text-to-video" : "kling-v3-image-to-video", prompt,
                negativePrompt, image(first), image(last), duration, quality, sound, aspectRatio, null, params);
    }

    private static ProviderImage image(String url) {
        return url == null ? null : new ProviderImage(URI.create(url), () -> {
            throw new AssertionError("APIMart takes image URLs; bytes must not be loaded");
        });
    }

    static Stream<Arguments> documentedUseCases() {
        String beach = "a golden retriever running on the beach, sunset, cinematic";
        return Stream.of(
                Arguments.of("Case 1: Text-to-Video (Standard Mode)",
                        job(beach, null, null, null, 5, "720p", "off", "16:9", Map.of()), """
                        {"model":"kling-v3","prompt":"%s","mode":"std","duration":5,"aspect_ratio":"16:9","audio":false}""".formatted(beach)),
                Arguments.of("Case 2: Text-to-Video (Pro Mode + Negative Prompt)",
                        job(beach, "blurry, low quality, distorted", null, null, 5, "1080p", "off", "16:9", Map.of()), """
                        {"model":"kling-v3","prompt":"%s","negative_prompt":"blurry, low quality, distorted","mode":"pro",
                         "duration":5,"aspect_ratio":"16:9","audio":false}""".formatted(beach)),
                Arguments.of("Case 3: Text-to-Video (15 seconds)",
                        job(beach, null, null, null, 15, "720p", "off", "16:9", Map.of()), """
                        {"model":"kling-v3","prompt":"%s","mode":"std","duration":15,"aspect_ratio":"16:9","audio":false}""".formatted(beach)),
                Arguments.of("Case 4: Image-to-Video (First Frame)",
                        job("The dog turns its head and barks", null, FIRST, null, 5, "720p", "off", null, Map.of()), """
                        {"model":"kling-v3","prompt":"The dog turns its head and barks","mode":"std","duration":5,
                         "image_urls":["%s"],"audio":false}""".formatted(FIRST)),
                Arguments.of("Case 5: Image-to-Video (First + Last Frame Control)",
                        job("Day turns to night over the city", null, FIRST, LAST, 10, "1080p", "off", null, Map.of()), """
                        {"model":"kling-v3","prompt":"Day turns to night over the city","mode":"pro","duration":10,
                         "image_urls":["%s","%s"],"audio":false}""".formatted(FIRST, LAST)),
                Arguments.of("Case 6: Generate Video with Audio",
                        job("Waves crash on the rocks, seagulls cry", null, null, null, 5, "720p", "on", "16:9", Map.of()), """
                        {"model":"kling-v3","prompt":"Waves crash on the rocks, seagulls cry","mode":"std","duration":5,
                         "aspect_ratio":"16:9","audio":true}"""),
                // Reelay holds shots as Kling writes them (quoted durations); APIMart gets plain numbers. APIMart lets
                // multi-shot jobs omit the top-level prompt, and its support matrix has 15 s in std mode only.
                Arguments.of("Case 7: Multi-Shot Storyboard (customize, 15 seconds, portrait with audio)",
                        job(null, null, null, null, 15, "720p", "on", "9:16", Map.of("multi_shot", true, "shot_type", "customize",
                                "multi_prompt", List.of(
                                        Map.of("index", 1, "prompt", "A chef chops vegetables", "duration", "5"),
                                        Map.of("index", 2, "prompt", "The pan flares up", "duration", "5"),
                                        Map.of("index", 3, "prompt", "The chef plates the dish and smiles", "duration", "5")))), """
                        {"model":"kling-v3","mode":"std","duration":15,"aspect_ratio":"9:16","audio":true,
                         "multi_shot":true,"shot_type":"customize","multi_prompt":[
                           {"index":1,"prompt":"A chef chops vegetables","duration":5},
                           {"index":2,"prompt":"The pan flares up","duration":5},
                           {"index":3,"prompt":"The chef plates the dish and smiles","duration":5}]}"""),
                // Not one of the seven cases: the documented subject and watermark fields, with its prompt example, in 4K mode.
                Arguments.of("Subjects created on the fly, watermark, 4K",
                        job("@element_dog chasing @element_cat on grass", null, FIRST, null, 5, "4k", "off", "16:9", Map.of(
                                "watermark_info", Map.of("enabled", true),
                                "subjects", List.of(
                                        Map.of("name", "element_dog", "description", "a corgi",
                                                "element_input_urls", List.of("https://example.com/dog-front.jpg", "https://example.com/dog-side.jpg")),
                                        Map.of("name", "element_cat", "description", "a tabby cat",
                                                "element_input_urls", List.of("https://example.com/cat-front.jpg", "https://example.com/cat-back.jpg",
                                                        "https://example.com/cat-face.jpg"))))), """
                        {"model":"kling-v3","prompt":"@element_dog chasing @element_cat on grass","mode":"4k","duration":5,
                         "aspect_ratio":"16:9","image_urls":["%s"],"audio":false,"watermark":true,
                         "element_list":[
                           {"name":"element_dog","description":"a corgi",
                            "element_input_urls":["https://example.com/dog-front.jpg","https://example.com/dog-side.jpg"]},
                           {"name":"element_cat","description":"a tabby cat",
                            "element_input_urls":["https://example.com/cat-front.jpg","https://example.com/cat-back.jpg",
                                                  "https://example.com/cat-face.jpg"]}]}""".formatted(FIRST)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedUseCases")
    void sendsTheDocumentedUseCases(String useCase, ProviderJob job, String expected) throws IOException {
        vendor.answer(200, CREATED);

        assertThat(client.submit(job).providerTaskId()).isEqualTo("task_01");

        FakeVendor.Request request = vendor.request();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/videos/generations");
        assertThat(request.authorization()).isEqualTo("Bearer sk-apimart");
        assertThat(JSON.readTree(request.body())).isEqualTo(JSON.readTree(expected));
        // APIMart's documentation: "Must be a plain number (e.g. 6), do not add quotes, otherwise an error will occur".
        assertThat(request.body()).contains("\"duration\":" + job.durationSeconds()).doesNotContain("\"duration\":\"");
    }

    @Test
    void refusesParametersItHasNoFieldForWithoutCalling() {
        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "720p", "off", null,
                Map.of("cfg_scale", 0.5, "voice_list", List.of()))))
                .asInstanceOf(type(ProviderException.class)).satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("cfg_scale", "voice_list");
                });
        assertThat(vendor.requests()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"code\":200,\"data\":{\"task_id\":\"task_02\",\"status\":\"submitted\",\"estimated_time\":90}} | 90",
            "{\"code\":200,\"data\":[{\"id\":\"task_02\",\"status\":\"pending\"}]} | 0"})
    void readsEitherShapeOfTheCreateAnswer(String answer, int estimate) {
        vendor.answer(200, answer);

        var submission = client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of()));

        assertThat(submission.providerTaskId()).isEqualTo("task_02");
        assertThat(submission.estimatedSeconds()).isEqualTo(estimate);
    }

    @Test
    void aCreateAnswerWithoutTaskIdIsAnUnavailability() {
        vendor.answer(200, "{\"code\":200,\"data\":[{\"status\":\"submitted\"}]}");

        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
    }

    @Test
    void readsACompletedTask() {
        vendor.answer(200, """
                {"code":200,"data":{"id":"task_01","status":"completed","progress":100,
                 "result":{"videos":[{"url":["https://cdn.apimart.ai/v/task_01.mp4"],"expires_at":1767225600}]},
                 "estimated_time":120,"actual_time":95}}""");

        assertThat(client.query("task_01"))
                .isEqualTo(new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://cdn.apimart.ai/v/task_01.mp4"), null));
        FakeVendor.Request request = vendor.request();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v1/tasks/task_01");
        assertThat(request.authorization()).isEqualTo("Bearer sk-apimart");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"code\":200,\"data\":[{\"task_id\":\"task_01\",\"status\":\"completed\",\"result\":{\"videos\":[{\"url\":\"https://cdn/v.mp4\"}]}}]}",
            "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"completed\",\"video_url\":\"https://cdn/v.mp4\"}}"})
    void findsTheVideoInTheOtherShapes(String answer) {
        vendor.answer(200, answer);

        assertThat(client.query("task_01").videoUrl()).isEqualTo(URI.create("https://cdn/v.mp4"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"submitted, QUEUED", "pending, QUEUED", "processing, RUNNING", "completed, SUCCEEDED", "failed, FAILED",
            "cancelled, CANCELLED"})
    void mapsEveryStatusSpelling(String status, JobState state) {
        vendor.answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"" + status
                + "\",\"progress\":35,\"estimated_time\":120,\"result\":{\"videos\":[{\"url\":[\"https://cdn/v.mp4\"]}]}}}");

        JobStatus job = client.query("task_01");

        assertThat(job.state()).isEqualTo(state);
        assertThat(job.progress()).isEqualTo(state == JobState.SUCCEEDED ? 100 : 35);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"error\":{\"message\":\"Content moderation failed\"}", "\"fail_reason\":\"Content moderation failed\""})
    void failuresCarryTheVendorsReason(String reason) {
        vendor.answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"failed\",\"progress\":10," + reason + "}}");

        assertThat(client.query("task_01")).isEqualTo(new JobStatus(JobState.FAILED, 10, null, "Content moderation failed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"code\":200,\"data\":{\"id\":\"task_01\"}}", "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"queueing up\"}}",
            "{\"code\":200,\"data\":null}", "{\"code\":200,\"data\":[]}", "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"completed\"}}"})
    void anAnswerItCannotUseIsAnUnavailability(String answer) {
        vendor.answer(200, answer);

        assertThatThrownBy(() -> client.query("task_01")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("apimart ");
        });
    }

    @ParameterizedTest(name = "HTTP {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "401 | {\"error\":{\"code\":\"invalid_api_key\",\"message\":\"Invalid API key\",\"type\":\"authentication_error\"}} | AUTH",
            "402 | {\"error\":{\"code\":\"insufficient_quota\",\"message\":\"Insufficient balance\",\"type\":\"billing_error\"}} | QUOTA",
            "403 | {\"code\":403,\"message\":\"Model not enabled for this key\"} | AUTH",
            "429 | {\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Too many requests\",\"type\":\"rate_limit_error\"}} | RATE_LIMITED",
            "500 | {\"code\":500,\"message\":\"Internal error\"} | PROVIDER_UNAVAILABLE",
            "503 | {\"error\":{\"code\":\"service_unavailable\",\"message\":\"Upstream busy\"}} | PROVIDER_UNAVAILABLE",
            "400 | {\"error\":{\"code\":\"content_policy_violation\",\"message\":\"Prompt rejected\",\"type\":\"invalid_request_error\"}} | CONTENT_POLICY",
            "400 | {\"error\":{\"code\":400,\"message\":\"duration must be a number\",\"type\":\"invalid_request_error\"}} | INVALID_REQUEST"})
    void classifiesErrorsByStatus(int status, String answer, ProviderErrorKind kind) {
        vendor.answer(status, answer);

        assertThatThrownBy(() -> client.query("task_01")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.httpStatus()).isEqualTo(status);
            assertThat(e.provider()).isEqualTo("apimart");
        });
    }

    @Test
    void aTwoHundredCarryingAnErrorCodeIsClassifiedByThatCode() {
        vendor.answer(200, "{\"code\":402,\"message\":\"Insufficient balance\"}");

        assertThatThrownBy(() -> client.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class)).satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.QUOTA);
                    assertThat(e.httpStatus()).isEqualTo(402);
                    assertThat(e.getMessage()).contains("Insufficient balance");
                });
    }

    @Test
    void anUnreachableApiMartIsAnUnavailability() {
        var offline = new ApiMartProviderClient(FakeVendor.HTTP, FakeVendor.unreachable(), () -> "sk-apimart", JSON);

        assertThatThrownBy(() -> offline.submit(job("p", null, null, null, 5, "720p", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class)).satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
                    assertThat(e.httpStatus()).isZero();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"completed\",\"result\":{\"videos\":[{\"url\":[\"https://cdn/v.mp4\"]}]}}}",
            "{\"id\":\"task_01\",\"status\":\"completed\",\"result\":{\"videos\":[{\"url\":[\"https://cdn/v.mp4\"]}]}}"})
    void readsACallbackShapedLikeAQueryAnswerOrItsData(String body) {
        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8))).hasValueSatisfying(report -> {
            assertThat(report.providerTaskId()).isEqualTo("task_01");
            assertThat(report.status()).isEqualTo(new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://cdn/v.mp4"), null));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "<xml/>", "\"task_01\"", "{}", "{\"code\":200,\"data\":[]}", "{\"task_id\":\"task_01\",\"status\":\"??\"}"})
    void ignoresCallbacksThatAreNotTasks(String body) {
        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void downloadsTheVideo() throws IOException {
        vendor.answer(200, "mp4");

        var download = client.download(vendor.base().resolve("/v/task_01.mp4"));

        try (InputStream body = download.body()) {
            assertThat(body.readAllBytes()).isEqualTo("mp4".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(vendor.request().authorization()).isNull();
    }

    @Test
    void anExpiredVideoLinkIsClassifiedByItsStatus() {
        vendor.answer(403, "<Error>AccessDenied</Error>");

        assertThatThrownBy(() -> client.download(vendor.base().resolve("/v/task_01.mp4"))).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.httpStatus()).isEqualTo(403));
    }

    @Test
    void cancelIsTheAssumedPostAndTrueOnlyWhenApiMartReportsTheTaskCancelled() {
        vendor.answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"cancelled\",\"progress\":40}}");

        assertThat(client.cancel("task_01")).isTrue();
        assertThat(vendor.request().method()).isEqualTo("POST");
        assertThat(vendor.request().path()).isEqualTo("/v1/tasks/task_01/cancel");
        assertThat(vendor.request().authorization()).isEqualTo("Bearer sk-apimart");
        assertThat(client.name()).isEqualTo("apimart");
    }

    @Test
    void aCancelAnsweredWithAStillRunningTaskIsNotACancel() {
        vendor.answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"processing\"}}");

        assertThat(client.cancel("task_01")).isFalse();
    }

    @ParameterizedTest(name = "HTTP {0}: no cancel there")
    @ValueSource(ints = {404, 405})
    void noSuchCancelEndpointOrTaskIsNotCancelled(int status) {
        vendor.answer(status, "{\"error\":{\"code\":\"not_found\",\"message\":\"Not found\"}}");

        assertThat(client.cancel("task_01")).isFalse();
        assertThat(vendor.requests()).hasSize(1);
    }

    @Test
    void notCancellableIsFalseUnlessAQueryShowsTheTaskAlreadyCancelled() {
        vendor.answer(400, "{\"error\":{\"code\":\"task_not_cancellable\",\"message\":\"already completed\"}}")
                .answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"completed\",\"result\":{\"videos\":[{\"url\":[\"https://x/v.mp4\"]}]}}}")
                .answer(400, "{\"error\":{\"code\":\"task_not_cancellable\",\"message\":\"already cancelled\"}}")
                .answer(200, "{\"code\":200,\"data\":{\"id\":\"task_01\",\"status\":\"cancelled\"}}");

        assertThat(client.cancel("task_01")).isFalse();
        assertThat(client.cancel("task_01")).isTrue();
        assertThat(vendor.requests()).extracting(FakeVendor.Request::path).containsExactly(
                "/v1/tasks/task_01/cancel", "/v1/tasks/task_01", "/v1/tasks/task_01/cancel", "/v1/tasks/task_01");
    }

    @Test
    void anyOtherCancelFailureIsTheVendorsClassifiedError() {
        vendor.answer(503, "{\"error\":{\"code\":\"service_unavailable\",\"message\":\"busy\"}}")
                .answer(401, "{\"error\":{\"code\":\"invalid_api_key\",\"message\":\"Invalid API key\"}}");

        assertThatThrownBy(() -> client.cancel("task_01")).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
        assertThatThrownBy(() -> client.cancel("task_01")).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.AUTH));
    }
}
