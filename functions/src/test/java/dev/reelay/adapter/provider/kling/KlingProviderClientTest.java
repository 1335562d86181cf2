package dev.reelay.adapter.provider.kling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.port.ProviderClient.CallbackReport;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.Submission;
import dev.reelay.port.ProviderClient.VideoDownload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Request mapping, statuses, callbacks, lookup by external id and download against a stub Kling. */
class KlingProviderClientTest {
    private static final String SUCCEEDED_TASK = """
            {"task_id":"860001","task_status":"succeed","task_status_msg":"",
             "task_info":{"external_task_id":"reelay-42"},
             "task_result":{"videos":[{"id":"v1","url":"https://cdn.klingai.test/v/860001.mp4",
                                       "watermark_url":"https://cdn.klingai.test/v/860001-wm.mp4","duration":"5"}]},
             "created_at":1722769557708,"updated_at":1722769600000}""";

    private KlingStub kling;
    private KlingProviderClient client;

    @BeforeEach
    void start() throws IOException {
        kling = new KlingStub();
        client = new KlingProviderClient(new HttpTransport(UrlConnectionHttpClient.create()), kling.base(),
                () -> KlingCredentials.apiKey("key"), KlingStub.JSON, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        kling.close();
    }

    static ProviderJob textJob(Map<String, Object> params) {
        return new ProviderJob("reelay-42", "kling-v3-text-to-video", "A fox in the snow", null, null, null, 5,
                "720p", "off", null, null, params);
    }

    private static ProviderJob imageJob(ProviderImage first, ProviderImage last, String quality, Map<String, Object> params) {
        return new ProviderJob("reelay-42", "kling-v3-image-to-video", "The girl smiles", "blur", first, last, 5,
                quality, "on", "16:9", URI.create("https://hooks.reelay.test/kling/reelay-42"), params);
    }

    // --- submission ---

    @Test
    void anImageKlingCannotFetchGoesAsRawBase64AndAnHttpsOneAsItsUrl() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 1, 2, 3};
        ProviderImage local = new ProviderImage(URI.create("http://127.0.0.1:4566/reelay-inputs/first.png"), () -> png);
        ProviderImage remote = new ProviderImage(URI.create("https://cdn.reelay.test/last.png"), () -> {
            throw new AssertionError("not to be read");
        });
        kling.accepted("1");

        client.submit(imageJob(local, remote, "720p", Map.of()));

        JsonNode body = kling.last().json();
        assertThat(body.path("image").asText()).isEqualTo(Base64.getEncoder().encodeToString(png)).doesNotStartWith("data:");
        assertThat(body.path("image_tail").asText()).isEqualTo("https://cdn.reelay.test/last.png");
    }

    @Test
    void mapsTheJobsOwnFieldsAndOmitsAspectRatioOnImageToVideo() throws Exception {
        kling.accepted("1");

        client.submit(imageJob(new ProviderImage(URI.create("https://cdn.reelay.test/a.png"), null), null, "720p", Map.of()));

        assertThat(kling.last().json()).isEqualTo(KlingStub.JSON.readTree("""
                {"model_name":"kling-v3","image":"https://cdn.reelay.test/a.png","prompt":"The girl smiles",
                 "negative_prompt":"blur","duration":"5","mode":"std","sound":"on",
                 "callback_url":"https://hooks.reelay.test/kling/reelay-42","external_task_id":"reelay-42"}"""));
    }

    @Test
    void passesEveryAdvancedParameterInItsDocumentedTypes() throws Exception {
        kling.accepted("1");
        Map<String, Object> params = Map.of(
                "element_list", List.of(Map.of("element_id", "160"), Map.of("element_id", 161L)),
                "camera_control", Map.of("type", "simple", "config", Map.of("horizontal", 0, "zoom", 5)),
                "static_mask", "https://cdn.reelay.test/static.png",
                "dynamic_masks", List.of(Map.of("mask", "https://cdn.reelay.test/dyn.png",
                        "trajectories", List.of(Map.of("x", 279, "y", 219), Map.of("x", 417, "y", 65)))),
                "cfg_scale", "0.7",
                "watermark_info", Map.of("enabled", true));

        client.submit(imageJob(new ProviderImage(URI.create("https://cdn.reelay.test/a.png"), null), null, "1080p", params));

        JsonNode body = kling.last().json();
        assertThat(body.path("mode").asText()).isEqualTo("pro");
        assertThat(body.path("element_list")).isEqualTo(KlingStub.JSON.readTree("[{\"element_id\":160},{\"element_id\":161}]"));
        assertThat(body.path("camera_control")).isEqualTo(KlingStub.JSON.readTree(
                "{\"type\":\"simple\",\"config\":{\"horizontal\":0,\"zoom\":5}}"));
        assertThat(body.path("static_mask").asText()).isEqualTo("https://cdn.reelay.test/static.png");
        assertThat(body.path("dynamic_masks")).isEqualTo(KlingStub.JSON.readTree(
                "[{\"mask\":\"https://cdn.reelay.test/dyn.png\",\"trajectories\":[{\"x\":279,\"y\":219},{\"x\":417,\"y\":65}]}]"));
        assertThat(body.path("cfg_scale").asDouble()).isEqualTo(0.7);
        assertThat(body.path("watermark_info").path("enabled").asBoolean()).isTrue();
    }

    @Test
    void fourKIsRefusedWithoutCallingKling() {
        assertInvalidWithoutCall(imageJob(new ProviderImage(URI.create("https://cdn.reelay.test/a.png"), null), null,
                "4k", Map.of()), "4k");
    }

    @Test
    void parametersKlingDoesNotOfferAreRefusedNotDropped() {
        assertInvalidWithoutCall(textJob(Map.of("subjects", List.of(Map.of("name", "cat")))), "subjects");
        assertInvalidWithoutCall(textJob(Map.of("static_mask", "https://cdn.reelay.test/m.png")), "static_mask");
        assertInvalidWithoutCall(textJob(Map.of("multi_shot", "maybe")), "multi_shot");
    }

    @Test
    void anImageWithNeitherAnHttpsUrlNorBytesIsRefused() {
        assertInvalidWithoutCall(imageJob(new ProviderImage(URI.create("http://127.0.0.1/x.png"), () -> new byte[0]),
                null, "720p", Map.of()), "image");
    }

    @Test
    void anUnknownModelIsRefused() {
        assertInvalidWithoutCall(new ProviderJob("t", "kling-v2-master", "p", null, null, null, 5, "720p", "off",
                null, null, Map.of()), "kling-v2-master");
    }

    private void assertInvalidWithoutCall(ProviderJob job, String mentioned) {
        assertThatThrownBy(() -> client.submit(job)).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.kind()).isEqualTo(ProviderErrorKind.INVALID_REQUEST);
            assertThat(e.getMessage()).contains(mentioned);
        });
        assertThat(kling.requests).isEmpty();
    }

    // --- statuses ---

    @Test
    void aSucceededTaskGivesItsVideo() {
        kling.envelope(200, 0, "SUCCEED", SUCCEEDED_TASK);

        JobStatus status = client.query("text2video/860001");

        assertThat(kling.last().method()).isEqualTo("GET");
        assertThat(kling.last().path()).isEqualTo("/v1/videos/text2video/860001");
        assertThat(status).isEqualTo(new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://cdn.klingai.test/v/860001.mp4"), null));
    }

    @Test
    void aFailedTaskGivesItsReason() {
        kling.envelope(200, 0, "SUCCEED", """
                {"task_id":"860002","task_status":"failed","task_status_msg":"Failure to pass the risk control system"}""");

        JobStatus status = client.query("image2video/860002");

        assertThat(kling.last().path()).isEqualTo("/v1/videos/image2video/860002");
        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.isFinal()).isTrue();
        assertThat(status.failureMessage()).isEqualTo("Failure to pass the risk control system");
    }

    @Test
    void queuedAndProcessingTasksReportFixedProgress() {
        kling.envelope(200, 0, "SUCCEED", "{\"task_id\":\"1\",\"task_status\":\"submitted\"}")
                .envelope(200, 0, "SUCCEED", "{\"task_id\":\"1\",\"task_status\":\"processing\"}");

        assertThat(client.query("image2video/1")).isEqualTo(new JobStatus(JobState.QUEUED, 0, null, null));
        assertThat(client.query("image2video/1")).isEqualTo(new JobStatus(JobState.RUNNING, 50, null, null));
    }

    @Test
    void aSucceededTaskWithoutAVideoIsAVendorFault() {
        kling.envelope(200, 0, "SUCCEED", "{\"task_id\":\"1\",\"task_status\":\"succeed\",\"task_result\":{\"videos\":[]}}");

        assertThatThrownBy(() -> client.query("image2video/1")).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"860001", "video/860001", "image2video/"})
    void aTaskIdWithoutItsRouteIsRefused(String id) {
        assertThatThrownBy(() -> client.query(id)).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.INVALID_REQUEST));
        assertThat(kling.requests).isEmpty();
    }

    @Test
    void submissionReturnsTheCompositeIdAndNoEstimate() {
        kling.accepted("860003");

        assertThat(client.submit(textJob(Map.of()))).isEqualTo(new Submission("text2video/860003", 0));
        assertThat(kling.last().path()).isEqualTo("/v1/videos/text2video");
    }

    @Test
    void thereIsNoCancel() {
        assertThat(client.cancel("image2video/1")).isFalse();
        assertThat(kling.requests).isEmpty();
    }

    // --- callbacks ---

    @Test
    void aCallbackIsTheBareTaskObject() {
        Optional<CallbackReport> report = client.parseCallback(SUCCEEDED_TASK.getBytes(StandardCharsets.UTF_8));

        assertThat(report).contains(new CallbackReport("image2video/860001",
                new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://cdn.klingai.test/v/860001.mp4"), null)));
    }

    @Test
    void anEnvelopeWrappedCallbackIsAcceptedToo() {
        String body = "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"r\",\"data\":"
                + "{\"task_id\":\"9\",\"task_status\":\"failed\",\"task_status_msg\":\"content blocked\"}}";

        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8)))
                .contains(new CallbackReport("image2video/9", new JobStatus(JobState.FAILED, 100, null, "content blocked")));
    }

    @Test
    void aCallbackNamingItsRouteKeepsIt() {
        String body = "{\"task_id\":\"9\",\"task_status\":\"processing\",\"task_info\":{\"task_type\":\"text2video\"}}";

        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8)))
                .contains(new CallbackReport("text2video/9", new JobStatus(JobState.RUNNING, 50, null, null)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "{}", "{\"id\":\"task-unified-1\",\"status\":\"completed\"}",
            "{\"task_id\":\"9\",\"task_status\":\"teleported\"}", "{\"code\":0,\"data\":{\"foo\":1}}", ""})
    void anythingElseIsNotAKlingCallback(String body) {
        assertThat(client.parseCallback(body.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    // --- lookup by external id ---

    @Test
    void findsATaskByItsExternalIdOnImageToVideo() {
        kling.envelope(200, 0, "SUCCEED", SUCCEEDED_TASK);

        assertThat(client.findByExternalTaskId("reelay-42")).contains(new Submission("image2video/860001", 0));
        assertThat(kling.last().path()).isEqualTo("/v1/videos/image2video");
        assertThat(kling.last().query()).isEqualTo("external_task_id=reelay-42");
    }

    @Test
    void acceptsAOneTaskListAndFallsBackToTextToVideo() {
        kling.envelope(404, 1203, "task not found", "null")
                .envelope(200, 0, "SUCCEED", "[{\"task_id\":\"77\",\"task_status\":\"processing\"}]");

        assertThat(client.findByExternalTaskId("reelay 42/a")).contains(new Submission("text2video/77", 0));
        assertThat(kling.requests).extracting(KlingStub.Request::path)
                .containsExactly("/v1/videos/image2video", "/v1/videos/text2video");
        assertThat(kling.last().query()).isEqualTo("external_task_id=reelay%2042%2Fa");
    }

    @Test
    void findsNothingWhenNeitherRouteKnowsTheId() {
        kling.envelope(200, 0, "SUCCEED", "[]").envelope(200, 0, "SUCCEED", "null");

        assertThat(client.findByExternalTaskId("reelay-42")).isEmpty();
        assertThat(kling.requests).hasSize(2);
    }

    @Test
    void ignoresListedTasksOfOtherExternalIds() {
        String otherTasks = "[{\"task_id\":\"1\",\"task_status\":\"succeed\",\"task_info\":{\"external_task_id\":\"reelay-7\"}}]";
        kling.envelope(200, 0, "SUCCEED", otherTasks).envelope(200, 0, "SUCCEED", otherTasks);

        assertThat(client.findByExternalTaskId("reelay-42")).isEmpty();
    }

    @Test
    void aLookupFailureOtherThanNotFoundIsThrown() {
        kling.envelope(503, 5001, "maintenance", "null");

        assertThatThrownBy(() -> client.findByExternalTaskId("reelay-42")).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
    }

    // --- download ---

    @Test
    void downloadsTheVideo() throws IOException {
        byte[] mp4 = "....ftypisom".getBytes(StandardCharsets.US_ASCII);
        kling.handler = request -> new KlingStub.Reply(200, "video/mp4", mp4);

        VideoDownload download = client.download(kling.base().resolve("/v/860001.mp4"));

        try (InputStream body = download.body()) {
            assertThat(body.readAllBytes()).isEqualTo(mp4);
        }
        assertThat(download.contentLength()).isEqualTo(mp4.length);
        assertThat(kling.last().authorization()).as("the CDN gets no credentials").isNull();
    }

    @Test
    void aMissingVideoIsNotFound() {
        kling.handler = request -> new KlingStub.Reply(404, "text/plain", "gone".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> client.download(kling.base().resolve("/v/860001.mp4")))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.NOT_FOUND);
                    assertThat(e.httpStatus()).isEqualTo(404);
                });
    }
}
