package dev.reelay.local.sandbox.kling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.kling.KlingCredentials;
import dev.reelay.adapter.provider.kling.KlingProviderClient;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.local.sandbox.CallbackReceiver;
import dev.reelay.local.sandbox.Mp4Boxes;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxFaults;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Sandboxes;
import dev.reelay.local.sandbox.TestImages;
import dev.reelay.port.ProviderClient.CallbackReport;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderImage;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.Submission;
import dev.reelay.port.ProviderClient.VideoDownload;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** Reelay's production Kling adapter, unchanged, against the Kling sandbox. */
class KlingSandboxContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final byte[] RED_PNG = TestImages.png(TestImages.solid(Color.RED, 640, 360));

    private Sandbox sandbox;
    private HttpServer imageHost;
    private final AtomicInteger imageDownloads = new AtomicInteger();
    private KlingProviderClient kling;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandboxes.kling(SandboxSettings.forTests(), false);
        imageHost = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        imageHost.createContext("/red.png", exchange -> {
            imageDownloads.incrementAndGet();
            try (exchange; OutputStream out = exchange.getResponseBody()) {
                exchange.sendResponseHeaders(200, RED_PNG.length);
                out.write(RED_PNG);
            }
        });
        imageHost.start();
        kling = new KlingProviderClient(new HttpTransport(UrlConnectionHttpClient.create()), sandbox.baseUrl(),
                () -> KlingCredentials.accessKeys(sandbox.credential("access_key"), sandbox.credential("secret_key")), JSON, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        imageHost.stop(0);
        sandbox.close();
    }

    @Test
    void imageAndTextJobsRunToAVideoAndAreFoundByTheirExternalIds() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            // Plain http is not fetchable by the real Kling, so the adapter sends the frame's bytes as raw base64.
            URI frameUrl = URI.create("http://127.0.0.1:" + imageHost.getAddress().getPort() + "/red.png");
            ProviderImage frame = new ProviderImage(frameUrl, () -> download(frameUrl));
            Submission image = kling.submit(new ProviderJob("reelay-image-1", "kling-v3-image-to-video", "The kite rises", "blur",
                    frame, null, 3, "720p", "off", null, receiver.uri(), Map.of()));
            Submission text = kling.submit(new ProviderJob("reelay-text-1", "kling-v3-text-to-video", "A fox in the snow", null,
                    null, null, 3, "1080p", "on", "9:16", null, Map.of("cfg_scale", 0.5)));

            assertThat(image.providerTaskId()).startsWith("image2video/");
            assertThat(text.providerTaskId()).startsWith("text2video/");
            assertThat(imageDownloads).as("only the adapter fetched the frame: it went inline").hasValue(1);

            List<JobState> imageStates = new ArrayList<>();
            JobStatus imageDone = awaitFinal(image.providerTaskId(), imageStates);
            JobStatus textDone = awaitFinal(text.providerTaskId(), new ArrayList<>());

            assertThat(imageStates).startsWith(JobState.QUEUED).contains(JobState.RUNNING).endsWith(JobState.SUCCEEDED);
            assertThat(imageDone.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(textDone.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(firstBox(imageDone.videoUrl())).isEqualTo("ftyp");
            Mp4Boxes portrait = new Mp4Boxes(readAll(textDone.videoUrl()));
            assertThat(portrait.sampleEntrySize(portrait.firstSampleEntry())).containsExactly(180, 320);

            assertThat(kling.findByExternalTaskId("reelay-image-1")).contains(image);
            assertThat(kling.findByExternalTaskId("reelay-text-1")).contains(text);
            assertThat(kling.findByExternalTaskId("reelay-nobody")).isEmpty();

            List<CallbackReport> reports = receiver.await(3).stream()
                    .map(callback -> kling.parseCallback(callback.body().toString().getBytes(StandardCharsets.UTF_8)).orElseThrow())
                    .toList();
            assertThat(reports).extracting(CallbackReport::providerTaskId).containsOnly(image.providerTaskId());
            assertThat(reports).extracting(report -> report.status().state())
                    .containsExactlyInAnyOrder(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        }
    }

    @Test
    void aScriptedConcurrencyRefusalIsConcurrencyLimited() {
        sandbox.faults().refuseSubmissions(1, new KlingDialect().typicalRefusal(429).withCode("1303"));

        assertThatThrownBy(() -> kling.submit(textJob("reelay-refused-1")))
                .isInstanceOfSatisfying(ProviderException.class, refused -> {
                    assertThat(refused.kind()).isEqualTo(ProviderErrorKind.CONCURRENCY_LIMITED);
                    assertThat(refused.httpStatus()).isEqualTo(429);
                    assertThat(refused.vendorCode()).isEqualTo("1303");
                    assertThat(refused.retryable()).isTrue();
                });
        assertThat(sandbox.createRequests()).isEqualTo(1);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void aLateContentPolicyFailureEndsTheJobFailedWithItsMessage() throws Exception {
        SandboxFaults.LateFailure blocked = SandboxFaults.LateFailure.contentPolicy();
        sandbox.faults().failAfterAcceptance(1, blocked);

        Submission submission = kling.submit(textJob("reelay-blocked-1"));
        JobStatus status = awaitFinal(submission.providerTaskId(), new ArrayList<>());

        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.failureMessage()).isEqualTo(blocked.message());
    }

    private static ProviderJob textJob(String externalTaskId) {
        return new ProviderJob(externalTaskId, "kling-v3-text-to-video", "A kite", null, null, null, 3, "720p", "off",
                "16:9", null, Map.of());
    }

    /** Polls as Reelay's workflow does, recording each state it sees. */
    private JobStatus awaitFinal(String providerTaskId, List<JobState> seen) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus status = kling.query(providerTaskId);
            if (seen.isEmpty() || seen.get(seen.size() - 1) != status.state()) {
                seen.add(status.state());
            }
            if (status.isFinal()) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(providerTaskId + " did not finish within " + LIMIT + "; seen " + seen);
    }

    private byte[] readAll(URI videoUrl) throws Exception {
        VideoDownload download = kling.download(videoUrl);
        try (InputStream body = download.body()) {
            byte[] bytes = body.readAllBytes();
            assertThat((long) bytes.length).isEqualTo(download.contentLength());
            return bytes;
        }
    }

    private String firstBox(URI videoUrl) throws Exception {
        return new String(Arrays.copyOfRange(readAll(videoUrl), 4, 8), StandardCharsets.ISO_8859_1);
    }

    private static byte[] download(URI url) {
        try (InputStream in = url.toURL().openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
