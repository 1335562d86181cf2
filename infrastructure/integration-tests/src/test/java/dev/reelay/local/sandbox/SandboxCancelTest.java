package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.apimart.ApiMartProviderClient;
import dev.reelay.adapter.provider.unified.UnifiedProviderClient;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import dev.reelay.domain.provider.JobState;
import dev.reelay.port.ProviderClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The cancel endpoint Reelay ASSUMES for the unified aggregator and APIMart ({@code POST /v1/tasks/{id}/cancel},
 * no vendor documents one), in their sandboxes: over raw HTTP, and through Reelay's production adapters.
 */
class SandboxCancelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final HttpTransport TRANSPORT = new HttpTransport(UrlConnectionHttpClient.create());
    /** Long enough to cancel mid-render, short enough that a test that forgot to cancel still ends. */
    private static final Duration SLOW_RENDER = Duration.ofSeconds(8);

    private Sandbox sandbox;

    @AfterEach
    void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void theUnifiedSandboxCancelsARenderingTaskWhichThenStaysCancelledShowsNoVideoAndCallsBack() throws Exception {
        sandbox = Sandboxes.unified(SandboxSettings.forTests(), false);
        sandbox.faults().renderSlowly(1, SLOW_RENDER);
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String id = new UnifiedClient(sandbox).accepted(UnifiedClient.textToVideo("a slow pan").put("callback_url", receiver.url()));
            JsonNode rendering = awaitProgress("/v1/tasks/" + id, "");

            HttpResponse<String> cancelled = post("/v1/tasks/" + id + "/cancel");

            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(cancelled.body());
            assertThat(task.get("id").asText()).isEqualTo(id);
            assertThat(task.get("status").asText()).isEqualTo("cancelled");
            assertThat(task.get("progress").asInt()).isGreaterThanOrEqualTo(rendering.get("progress").asInt());
            assertThat(task.at("/task_info/can_cancel").asBoolean()).isFalse();
            assertThat(task.has("results")).isFalse();
            List<CallbackReceiver.Received> callbacks = receiver.await(1);
            assertThat(callbacks.get(0).body().get("status").asText()).isEqualTo("cancelled");
            assertThat(callbacks.get(0).body().get("id").asText()).isEqualTo(id);

            Thread.sleep(300);
            JsonNode later = JSON.readTree(get("/v1/tasks/" + id).body());
            assertThat(later.get("status").asText()).isEqualTo("cancelled");
            assertThat(later.get("progress")).isEqualTo(task.get("progress"));
            assertThat(HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/files/" + id + ".mp4")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
            assertThat(receiver.all()).hasSize(1);
        }

        sandbox.faults().renderSlowly(1, SLOW_RENDER);
        HttpResponse<String> again = post("/v1/tasks/" + new UnifiedClient(sandbox).accepted(UnifiedClient.textToVideo("x"))
                .transform(this::cancelOrFail) + "/cancel");
        assertThat(again.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(again.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("task_not_cancellable");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(post("/v1/tasks/task-unified-1757169743-7cvnl5zw/cancel").statusCode()).isEqualTo(404);
        assertThat(HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/x/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
    }

    @Test
    void theUnifiedAdapterIsTrueForARenderingTaskAndFalseForACompletedOne() throws Exception {
        sandbox = Sandboxes.unified(SandboxSettings.forTests(), false);
        UnifiedProviderClient client = new UnifiedProviderClient(TRANSPORT, sandbox.baseUrl(), () -> sandbox.credential("api_key"), JSON);
        String done = new UnifiedClient(sandbox).accepted(UnifiedClient.textToVideo("done"));
        new UnifiedClient(sandbox).awaitFinished(done);
        sandbox.faults().renderSlowly(1, SLOW_RENDER);
        String rendering = new UnifiedClient(sandbox).accepted(UnifiedClient.textToVideo("rendering"));

        assertThat(client.cancel(rendering)).isTrue();
        assertThat(client.query(rendering).state()).isEqualTo(JobState.CANCELLED);
        assertThat(client.cancel(rendering)).as("already cancelled: confirmed by a query").isTrue();
        assertThat(client.cancel(done)).isFalse();
        assertThat(client.query(done).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void theApiMartSandboxAndAdapterCancelARenderingTaskButNotACompletedOne() throws Exception {
        sandbox = Sandboxes.apimart(SandboxSettings.forTests(), false);
        ApiMartProviderClient client = new ApiMartProviderClient(TRANSPORT, sandbox.baseUrl(), () -> sandbox.credential("api_key"), JSON);
        ProviderClient.ProviderJob job = new ProviderClient.ProviderJob("task-reelay-1", "kling-v3-text-to-video", "a lighthouse",
                null, null, null, 3, "720p", "off", "16:9", null, null);
        String done = client.submit(job).providerTaskId();
        sandbox.faults().renderSlowly(1, SLOW_RENDER);
        String rendering = client.submit(job).providerTaskId();
        JsonNode progressing = awaitProgress("/v1/tasks/" + rendering, "/data");
        assertThat(progressing.get("status").asText()).isEqualTo("processing");

        HttpResponse<String> raw = post("/v1/tasks/" + rendering + "/cancel");
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(raw.body());
        assertThat(answer.get("code").asInt()).isEqualTo(200);
        assertThat(answer.at("/data/id").asText()).isEqualTo(rendering);
        assertThat(answer.at("/data/status").asText()).isEqualTo("cancelled");
        assertThat(answer.at("/data/actual_time").isMissingNode()).isFalse();
        assertThat(client.query(rendering).state()).isEqualTo(JobState.CANCELLED);
        assertThat(client.cancel(rendering)).as("already cancelled: confirmed by a query").isTrue();

        awaitFinished(client, done);
        HttpResponse<String> refused = post("/v1/tasks/" + done + "/cancel");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/code").asText()).isEqualTo("task_not_cancellable");
        assertThat(client.cancel(done)).isFalse();
        assertThat(client.query(done).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(client.cancel("task_01K8SGYNNNVBQTXNR4MM964S7K")).as("unknown task: 404").isFalse();
    }

    private String cancelOrFail(String id) {
        try {
            HttpResponse<String> response = post("/v1/tasks/" + id + "/cancel");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return id;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Polls until the task is processing with some progress; {@code at} points at the task in the answer. */
    private JsonNode awaitProgress(String path, String at) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode task = JSON.readTree(get(path).body()).at(at);
            if (task.get("progress").asInt() > 0) {
                return task;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("No progress on " + path);
    }

    private static void awaitFinished(ProviderClient client, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!client.query(id).isFinal()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(id + " did not finish");
            }
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve(path))
                .header("Authorization", "Bearer " + sandbox.credential("api_key")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve(path))
                .header("Authorization", "Bearer " + sandbox.credential("api_key")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
