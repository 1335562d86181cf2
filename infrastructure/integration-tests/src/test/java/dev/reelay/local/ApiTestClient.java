package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The public API as one API key's client sees it, for end-to-end tests. */
public record ApiTestClient(URI base, String apiKey) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static ApiTestClient of(LocalRuntime runtime) {
        return new ApiTestClient(runtime.apiBaseUrl(), runtime.defaultApiKey());
    }

    ApiTestClient withKey(String otherKey) {
        return new ApiTestClient(base, otherKey);
    }

    /** Submits and answers the accepted task's id; any other answer fails the test. */
    String submit(Map<String, Object> body) throws Exception {
        HttpResponse<String> answer = send("POST", "/v1/videos/generations", JSON.writeValueAsString(body));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("id").asText();
    }

    /** The task as its owner sees it; any answer but 200 fails the test. */
    public JsonNode get(String taskId) throws Exception {
        HttpResponse<String> answer = send("GET", "/v1/tasks/" + taskId, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    HttpResponse<String> cancel(String taskId) throws Exception {
        return send("POST", "/v1/tasks/" + taskId + "/cancel", "");
    }

    /** Reads the task until {@code condition} holds; failing the test, with the task as last seen, after {@code limit}. */
    public JsonNode await(String taskId, Predicate<JsonNode> condition, Duration limit) throws Exception {
        Instant giveUp = Instant.now().plus(limit);
        JsonNode task = get(taskId);
        while (!condition.test(task)) {
            assertThat(Instant.now()).as("task %s within %s: %s", taskId, limit, task).isBefore(giveUp);
            Thread.sleep(200);
            task = get(taskId);
        }
        return task;
    }

    /** Waits until the task is completed, failed or cancelled. */
    JsonNode awaitEnd(String taskId, Duration timeout) throws Exception {
        return await(taskId, task -> task.path("status").asText().matches("completed|failed|cancelled"), timeout);
    }

    /** A plain 960x540 PNG written into {@code dir}, as a {@code file:} URL the local stack accepts as an image. */
    static String frameImage(java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path file = dir.resolve("frame.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(960, 540, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        return file.toUri().toString();
    }

    static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }

    /** When each event first happened. */
    static Map<String, Instant> times(JsonNode task) {
        Map<String, Instant> at = new LinkedHashMap<>();
        task.path("timeline").forEach(event -> at.putIfAbsent(event.path("event").asText(), Instant.parse(event.path("at").asText())));
        return at;
    }

    /** GETs {@code path} and answers its JSON; any answer but 200 fails the test. */
    JsonNode getJson(String path) throws Exception {
        HttpResponse<String> answer = send("GET", path, null);
        assertThat(answer.statusCode()).as("GET %s: %s", path, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    /** POSTs {@code body} as JSON to {@code path}, with these extra headers. */
    HttpResponse<String> post(String path, Object body, Map<String, String> headers) throws Exception {
        return send("POST", path, JSON.writeValueAsString(body), headers);
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, Map.of());
    }

    private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + apiKey)
                .timeout(Duration.ofSeconds(30));
        headers.forEach(request::header);
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
