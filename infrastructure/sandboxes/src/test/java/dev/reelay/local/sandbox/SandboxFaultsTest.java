package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SandboxFaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Sandbox sandbox;
    private UnifiedClient client;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandboxes.unified(SandboxSettings.forTests().withTiming(Duration.ofMillis(300), 2), false);
        client = new UnifiedClient(sandbox);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void aTruncatedDownloadAnnouncesTheFullLengthButStopsShort() throws Exception {
        String id = client.accepted(UnifiedClient.textToVideo("A lighthouse"));
        URI videoUrl = URI.create(client.awaitFinished(id).at("/results/0").asText());
        sandbox.faults().truncateDownloads(1);

        HttpResponse<InputStream> truncated = HTTP.send(HttpRequest.newBuilder(videoUrl).build(), HttpResponse.BodyHandlers.ofInputStream());
        long announced = truncated.headers().firstValueAsLong("Content-Length").orElseThrow();
        AtomicLong received = new AtomicLong();

        assertThat(truncated.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> readAll(truncated.body(), received)).isInstanceOf(IOException.class);
        assertThat(received.get()).isPositive().isLessThan(announced);
        HttpResponse<byte[]> whole = HTTP.send(HttpRequest.newBuilder(videoUrl).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(whole.body()).hasSize((int) announced);
    }

    @Test
    void tasksGivenACommonFinishTimeCompleteTogetherAtIt() throws Exception {
        java.time.Instant at = java.time.Instant.now().plusSeconds(4);
        sandbox.faults().finishAllAt(at);
        String first = client.accepted(UnifiedClient.textToVideo("A lighthouse"));
        Thread.sleep(500);
        String second = client.accepted(UnifiedClient.textToVideo("A harbour"));

        client.awaitFinished(first);
        java.time.Instant firstSeen = java.time.Instant.now();
        client.awaitFinished(second);
        java.time.Instant secondSeen = java.time.Instant.now();

        // Neither completes before the common time (give or take the clocks' rounding), though the settings' delay is 300 ms.
        assertThat(firstSeen).isAfterOrEqualTo(at.minusMillis(50));
        assertThat(secondSeen).isAfterOrEqualTo(at.minusMillis(50));
        sandbox.faults().finishAllAt(null);
        assertThat(client.awaitFinished(client.accepted(UnifiedClient.textToVideo("A kite"))).at("/status").asText())
                .isEqualTo("completed");
    }

    @Test
    void slowResponsesAreHeldForTheScriptedDelay() throws Exception {
        sandbox.faults().slowResponses(1, Duration.ofMillis(700));
        assertThat(timeOneQuery()).isGreaterThanOrEqualTo(Duration.ofMillis(700));

        sandbox.faults().slowAllResponses(Duration.ofMillis(300));
        assertThat(timeOneQuery()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(timeOneQuery()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aRefusalScriptedByStatusAndCodeGetsTheDialectsUsualType() throws Exception {
        sandbox.faults().refuseSubmissions(1, new SandboxFaults.Refusal(429, "rate_limit_exceeded", "Too many requests"));

        HttpResponse<String> refused = client.create(UnifiedClient.textToVideo("A kite"));
        HttpResponse<String> accepted = client.create(UnifiedClient.textToVideo("A kite"));

        assertThat(refused.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.get("message").asText()).isEqualTo("Too many requests");
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(sandbox.createRequests()).isEqualTo(2);
        assertThat(sandbox.taskIds()).hasSize(1);
    }

    @Test
    void aLateFailureIsReportedInTheFinalTaskObject() throws Exception {
        sandbox.faults().failAfterAcceptance(1, SandboxFaults.LateFailure.contentPolicy());

        JsonNode task = client.awaitFinished(client.accepted(UnifiedClient.textToVideo("A kite")));

        assertThat(task.get("status").asText()).isEqualTo("failed");
        assertThat(task.at("/error/code").asText()).isEqualTo("content_policy_violation");
    }

    private Duration timeOneQuery() throws Exception {
        long started = System.nanoTime();
        assertThat(client.query("task-unified-1-missing").statusCode()).isEqualTo(404);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static void readAll(InputStream body, AtomicLong received) throws IOException {
        try (body) {
            byte[] buffer = new byte[8192];
            for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                received.addAndGet(read);
            }
        }
    }
}
