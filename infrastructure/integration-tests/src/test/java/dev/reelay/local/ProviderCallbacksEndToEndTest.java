package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Provider callbacks on the local stack: the sandboxes call back through the local HTTP API, the
 * callback Lambda confirms with a query and resumes the waiting execution through the glue.
 */
@EndToEnd
class ProviderCallbacksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static Path image;

    @BeforeAll
    static void start() throws Exception {
        // Checks every 5 s, long after the sandbox's render: a task that completes sooner was resumed by its callback.
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        runtime = TestBackend.start(new LocalRuntime.Settings(null, tests.sandbox(),
                new dev.reelay.application.PollingPolicy(5, 5, 1.0, java.time.Duration.ofMinutes(5), 200), 0, Map.of(), true));
        image = dir.resolve("frame.png");
        ImageIO.write(new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void aLostCallbackCostsOnlyLatencyThePollingCompletesTheTask() throws Exception {
        runtime.sandbox("unified").faults().loseCallbacks(1);

        JsonNode task = await(submit("unified"));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(events(task)).containsExactly("accepted", "provider_submitted", "provider_completed", "archived", "billed");
    }

    @Test
    void aDuplicatedCallbackResumesOnceAndChargesOnce() throws Exception {
        runtime.sandbox("unified").faults().duplicateCallbacks(1);

        JsonNode task = await(submit("unified"));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(events(task)).containsExactly("accepted", "provider_submitted", "provider_completed", "provider_callback",
                "archived", "billed");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.225");
    }

    @Test
    void klingsNonFinalCallbacksAreIgnoredAndItsFinalOneCompletesTheTask() throws Exception {
        JsonNode task = await(submit("kling"));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(events(task)).containsExactly("accepted", "provider_submitted", "provider_completed", "provider_callback",
                "archived", "billed");
    }

    @Test
    void forgedLateAndUnknownCallbacksChangeNothing() throws Exception {
        assertThat(callback("unified", "not-a-secret", "{}").statusCode()).isEqualTo(404);

        String taskId = submit("unified");
        String secret = secretOf(taskId);
        for (int i = 0; i < 80 && get(taskId).path("task_info").path("provider").isMissingNode(); i++) {
            Thread.sleep(50); // until the vendor that took the job is on record
        }
        assertThat(callback("kling", secret, "{}").statusCode()).as("right secret, wrong vendor").isEqualTo(404);
        HttpResponse<String> forged = callback("unified", secret, "{\"id\":\"task-unified-0-forged00\",\"status\":\"completed\"}");
        assertThat(forged.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(forged.body()).path("outcome").asText()).isEqualTo("ignored");

        JsonNode task = await(taskId);
        assertThat(task.path("status").asText()).isEqualTo("completed");
        String providerTaskId = runtime.sandbox("unified").taskIds().get(runtime.sandbox("unified").taskIds().size() - 1);
        var sandbox = runtime.sandbox("unified");
        String vendorsFinalObject = HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/" + providerTaskId))
                .header("Authorization", "Bearer " + sandbox.credential("api_key")).build(), HttpResponse.BodyHandlers.ofString()).body();
        HttpResponse<String> late = callback("unified", secret, vendorsFinalObject);
        assertThat(late.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(late.body()).path("outcome").asText()).isEqualTo("noted");

        JsonNode after = get(taskId);
        assertThat(events(after)).containsExactly("accepted", "provider_submitted", "provider_completed", "provider_callback",
                "archived", "billed");
        assertThat(after.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.225");
    }

    /** The secret is made when the job is submitted to the vendor, just after the task is accepted. */
    private static String secretOf(String taskId) throws InterruptedException {
        for (int i = 0; i < 80; i++) {
            var item = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                    .key(TasksTableSchema.taskKey(taskId)).consistentRead(true)).item();
            if (item.containsKey("callbackSecret")) {
                return item.get("callbackSecret").s();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Task " + taskId + " got no callback secret");
    }

    private static HttpResponse<String> callback(String provider, String secret, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/callbacks/" + provider + "/" + secret))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String submit(String provider) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "callbacks",
                "image_start", image.toUri().toString(), "duration", 3, "provider", provider));
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("id").asText();
    }

    private static JsonNode get(String taskId) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId)).header("Authorization", "Bearer " + runtime.defaultApiKey()).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static JsonNode await(String taskId) throws Exception {
        for (int i = 0; i < 240; i++) {
            JsonNode task = get(taskId);
            if (task.path("status").asText().matches("completed|failed")) {
                return task;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Task " + taskId + " did not end");
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }
}
