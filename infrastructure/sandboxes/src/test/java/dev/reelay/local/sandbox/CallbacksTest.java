package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import java.awt.Color;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallbacksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SandboxSettings QUICK = SandboxSettings.forTests().withTiming(Duration.ofMillis(300), 2);

    private Sandbox sandbox;
    private UnifiedClient client;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandboxes.unified(QUICK, false);
        client = new UnifiedClient(sandbox);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void theUnifiedDialectCallsBackOnceWhenTheTaskEndsWithTheTaskObject() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String id = client.accepted(UnifiedClient.textToVideo("A kite").put("callback_url", receiver.url()));

            List<CallbackReceiver.Received> callbacks = receiver.await(1);

            assertThat(callbacks).hasSize(1);
            assertThat(callbacks.get(0).body().get("status").asText()).isEqualTo("completed");
            assertThat(callbacks.get(0).body()).isEqualTo(client.awaitFinished(id));
        }
    }

    @Test
    void theUnifiedDialectRetriesAFailedCallbackAfterOneAndTwoSeconds() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start(500, 503)) {
            String id = client.accepted(UnifiedClient.textToVideo("A kite").put("callback_url", receiver.url()));

            List<CallbackReceiver.Received> attempts = receiver.await(3);
            Thread.sleep(4_500); // a fourth attempt, if any, would follow 4 s after the third

            assertThat(receiver.all()).hasSize(3);
            assertThat(attempts).extracting(attempt -> attempt.body().get("id").asText()).containsOnly(id);
            assertThat(gap(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(gap(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void aLostCallbackIsNeverSent() throws Exception {
        sandbox.faults().loseCallbacks(1);
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String lost = client.accepted(UnifiedClient.textToVideo("Lost").put("callback_url", receiver.url()));
            client.awaitFinished(lost);
            String delivered = client.accepted(UnifiedClient.textToVideo("Delivered").put("callback_url", receiver.url()));

            receiver.await(1);

            assertThat(receiver.all()).extracting(callback -> callback.body().get("id").asText()).containsExactly(delivered);
        }
    }

    @Test
    void aDuplicatedCallbackArrivesTwice() throws Exception {
        sandbox.faults().duplicateCallbacks(1);
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String twice = client.accepted(UnifiedClient.textToVideo("Twice").put("callback_url", receiver.url()));
            receiver.await(2);
            String once = client.accepted(UnifiedClient.textToVideo("Once").put("callback_url", receiver.url()));

            receiver.await(3);

            assertThat(receiver.all()).extracting(callback -> callback.body().get("id").asText()).containsExactly(twice, twice, once);
        }
    }

    @Test
    void anEveryStatusChangeDialectCallsBackForEachStatusOfABase64FramedTask() throws Exception {
        SandboxSettings slowerStart = SandboxSettings.forTests().withTiming(Duration.ofMillis(900), 2);
        try (Sandbox minimal = Sandbox.start(new MinimalDialect(), slowerStart, false);
             CallbackReceiver receiver = CallbackReceiver.start()) {
            String frame = Base64.getEncoder().encodeToString(TestImages.png(TestImages.solid(Color.RED, 640, 360)));
            HttpResponse<String> created = send(HttpRequest.newBuilder(minimal.baseUrl().resolve("/jobs"))
                    .header("X-Token", MinimalDialect.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("image", frame)
                            .put("callback_url", receiver.url()).put("external_id", "mine-1").toString())));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);

            List<CallbackReceiver.Received> callbacks = receiver.await(3);

            assertThat(callbacks).extracting(callback -> callback.body().get("status").asText())
                    .containsExactlyInAnyOrder("PENDING", "PROCESSING", "COMPLETED");
            JsonNode byExternalId = JSON.readTree(send(HttpRequest.newBuilder(minimal.baseUrl().resolve("/jobs/mine-1"))
                    .header("X-Token", MinimalDialect.TOKEN)).body());
            assertThat(byExternalId.get("id").asText()).isEqualTo(JSON.readTree(created.body()).get("id").asText());
            byte[] video = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(byExternalId.get("video").asText())).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body();
            Mp4Boxes boxes = new Mp4Boxes(video);
            assertThat(boxes.sampleEntrySize(boxes.firstSampleEntry())).containsExactly(320, 180);
        }
    }

    private static Duration gap(CallbackReceiver.Received first, CallbackReceiver.Received second) {
        return Duration.ofNanos(second.receivedNanos() - first.receivedNanos());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
