package dev.reelay.local.sandbox.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.gateway.GatewayProviderClient;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.local.sandbox.Mp4Boxes;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxFaults;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Sandboxes;
import dev.reelay.local.sandbox.TestImages;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.VideoDownload;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** Reelay's production gateway adapter, unchanged, against the gateway sandbox. */
class GatewaySandboxContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpTransport HTTP = new HttpTransport(UrlConnectionHttpClient.create());
    private static final Duration COMPLETION_LIMIT = Duration.ofSeconds(20);
    /** Reelay holds shots as Kling writes them, durations quoted; the adapter passes them on under extra_body. */
    private static final Map<String, Object> TWO_SHOTS = Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", List.of(
            Map.of("index", 1, "prompt", "The boat rocks on the ripples", "duration", "1"),
            Map.of("index", 2, "prompt", "It drifts out of view", "duration", "2")));

    private final SandboxSettings settings = SandboxSettings.forTests();
    private Sandbox sandbox;
    private HttpServer imageHost;
    private GatewayProviderClient client;

    @BeforeEach
    void start() throws IOException {
        sandbox = Sandboxes.gateway(settings, false);
        imageHost = TestImages.host(Map.of("/first.png", TestImages.png(TestImages.solid(Color.RED, 640, 360)),
                "/last.png", TestImages.png(TestImages.solid(Color.BLUE, 640, 360))));
        client = new GatewayProviderClient(HTTP, sandbox.baseUrl(), () -> sandbox.credential("api_key"), JSON);
    }

    @AfterEach
    void stop() {
        imageHost.stop(0);
        sandbox.close();
    }

    static Stream<Arguments> jobs() {
        return Stream.of(
                Arguments.of("first frame", "/first.png", null, "720p", "off", "9:16", Map.of(), new int[] {320, 180}),
                Arguments.of("first and last frames", "/first.png", "/last.png", "1080p", "on", null, Map.of(), new int[] {320, 180}),
                Arguments.of("first frame with shots instead of a prompt", "/first.png", null, "1080p", "off", null, TWO_SHOTS,
                        new int[] {320, 180}),
                Arguments.of("text to video", null, null, "720p", "on", "9:16", Map.of("cfg_scale", 0.5), new int[] {180, 320}));
    }

    /** An image's own shape wins over aspect_ratio, which the gateway's documentation says image-to-video "may not guarantee". */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void completesAJobAndServesItsVideo(String description, String first, String last, String quality, String sound,
                                        String aspectRatio, Map<String, Object> params, int[] frameSize) throws Exception {
        String taskId = client.submit(job(image(first), image(last), quality, sound, aspectRatio, params)).providerTaskId();

        assertThat(taskId).matches("task_[A-Za-z0-9]{32}");
        JobStatus done = awaitFinal(taskId);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(100);
        VideoDownload download = client.download(done.videoUrl());
        byte[] video;
        try (InputStream body = download.body()) {
            video = body.readAllBytes();
        }
        assertThat(download.contentLength()).isEqualTo(video.length);
        assertThat(new String(video, 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
        Mp4Boxes boxes = new Mp4Boxes(video);
        assertThat(boxes.durationSeconds()).isCloseTo(3.0, within(0.1));
        assertThat(boxes.sampleEntrySize(boxes.firstSampleEntry())).containsExactly(frameSize);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"503, PROVIDER_UNAVAILABLE", "429, RATE_LIMITED", "402, QUOTA", "401, AUTH"})
    void aScriptedRefusalSurfacesClassified(int status, ProviderErrorKind kind) {
        sandbox.faults().refuseSubmissions(1, new GatewayDialect(settings).typicalRefusal(status));

        assertThatThrownBy(() -> client.submit(job(null, null, "720p", "off", null, Map.of())))
                .asInstanceOf(type(ProviderException.class)).satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(kind);
                    assertThat(e.httpStatus()).isEqualTo(status);
                });
        assertThat(sandbox.createRequests()).isEqualTo(1);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void aLateContentPolicyFailureSurfacesAsFailedWithItsMessage() throws Exception {
        SandboxFaults.LateFailure blocked = SandboxFaults.LateFailure.contentPolicy();
        sandbox.faults().failAfterAcceptance(1, blocked);

        JobStatus done = awaitFinal(client.submit(job(null, null, "720p", "off", null, Map.of())).providerTaskId());

        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.failureMessage()).isEqualTo(blocked.message());
        assertThat(done.videoUrl()).isNull();
    }

    @Test
    void anUnknownTaskIsNotFound() {
        assertThatThrownBy(() -> client.query("task_xxx"))
                .asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.NOT_FOUND));
    }

    private static ProviderJob job(ProviderImage first, ProviderImage last, String quality, String sound, String aspectRatio,
                                   Map<String, Object> params) {
        return new ProviderJob("task-reelay-1", first == null ? "kling-v3-text-to-video" : "kling-v3-image-to-video",
                "A paper boat drifts across a pond", null, first, last, 3, quality, sound, aspectRatio, null, params);
    }

    private ProviderImage image(String path) {
        return path == null ? null : new ProviderImage(URI.create("http://127.0.0.1:" + imageHost.getAddress().getPort() + path), () -> {
            throw new AssertionError("the gateway takes image URLs; bytes must not be loaded");
        });
    }

    private JobStatus awaitFinal(String taskId) throws InterruptedException {
        long deadline = System.nanoTime() + COMPLETION_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus status = client.query(taskId);
            if (status.isFinal()) {
                return status;
            }
            assertThat(status.state()).isIn(JobState.QUEUED, JobState.RUNNING);
            Thread.sleep(100);
        }
        throw new AssertionError("Task " + taskId + " did not finish within " + COMPLETION_LIMIT);
    }
}
