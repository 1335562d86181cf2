package dev.reelay.local.sandbox.unified;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A test client for the unified dialect's API. */
public record UnifiedClient(HttpClient http, URI baseUrl, String apiKey) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMPLETION_LIMIT = Duration.ofSeconds(20);

    public UnifiedClient(Sandbox sandbox) {
        this(HttpClient.newHttpClient(), sandbox.baseUrl(), sandbox.credential("api_key"));
    }

    public static ObjectNode textToVideo(String prompt) {
        return JSON.createObjectNode().put("model", "kling-v3-text-to-video").put("prompt", prompt).put("duration", 3);
    }

    public HttpResponse<String> create(ObjectNode body) throws Exception {
        return http.send(authorized("/v1/videos/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates a task that must be accepted; returns its id. */
    public String accepted(ObjectNode body) throws Exception {
        HttpResponse<String> response = create(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("id").asText();
    }

    public HttpResponse<String> query(String id) throws Exception {
        return http.send(authorized("/v1/tasks/" + id).build(), HttpResponse.BodyHandlers.ofString());
    }

    public JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + COMPLETION_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = query(id);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(response.body());
            if (List.of("completed", "failed").contains(task.get("status").asText())) {
                return task;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Task " + id + " did not finish within " + COMPLETION_LIMIT);
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(baseUrl.resolve(path)).header("Authorization", "Bearer " + apiKey);
    }
}
