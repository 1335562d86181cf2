package dev.reelay.local.sandbox.unified;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.local.sandbox.Mp4Boxes;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Sandboxes;
import dev.reelay.local.sandbox.TestImages;
import java.awt.Color;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UnifiedSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration COMPLETION_LIMIT = Duration.ofSeconds(20);

    private Sandbox sandbox;
    private HttpServer imageHost;

    @BeforeEach
    void start() throws IOException {
        sandbox = Sandboxes.unified(SandboxSettings.forTests(), false);
        imageHost = TestImages.host(Map.of(
                "/red.png", TestImages.png(TestImages.solid(Color.RED, 640, 360)),
                "/blue.png", TestImages.png(TestImages.solid(Color.BLUE, 640, 360)),
                "/tiny.png", TestImages.png(TestImages.solid(Color.GREEN, 200, 200)),
                "/notes.txt", "not an image".getBytes(StandardCharsets.UTF_8)));
    }

    @AfterEach
    void stop() {
        imageHost.stop(0);
        sandbox.close();
    }

    @Test
    void refusesRequestsWithoutTheApiKey() throws Exception {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/videos/generations"))
                .POST(HttpRequest.BodyPublishers.ofString(validBody().toString())));
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", "Bearer not-" + sandbox.credential("api_key"))
                .POST(HttpRequest.BodyPublishers.ofString(validBody().toString())));
        HttpResponse<String> query = send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/task-unified-1-abcdefgh")));

        for (HttpResponse<String> response : List.of(missing, wrong, query)) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode error = JSON.readTree(response.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.get("type").asText()).isEqualTo("authentication_error");
            assertThat(error.get("message").asText()).isNotBlank();
        }
        assertThat(sandbox.createRequests()).isEqualTo(2);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    static Stream<Arguments> invalidParameters() {
        return Stream.of(
                invalid("duration as a string", body -> body.put("duration", "5"), "duration"),
                invalid("duration below 3", body -> body.put("duration", 2), "duration"),
                invalid("fractional duration", body -> body.put("duration", 5.5), "duration"),
                invalid("unknown quality", body -> body.put("quality", "8k"), "quality"),
                invalid("unknown model", body -> body.put("model", "kling-v9"), "model"),
                invalid("unknown sound", body -> body.put("sound", "loud"), "sound"),
                invalid("unknown aspect ratio", body -> body.put("aspect_ratio", "4:3"), "aspect_ratio"),
                invalid("missing image_start", body -> body.remove("image_start"), "image_start"),
                invalid("image_end without image_start", body -> body.set("image_end", body.remove("image_start")), "image_end"),
                invalid("prompt over 2500 characters", body -> body.put("prompt", "a".repeat(2501)), "prompt"),
                invalid("negative_prompt over 2500 characters", body -> body.put("negative_prompt", "a".repeat(2501)), "negative_prompt"),
                invalid("image_start not http", body -> body.put("image_start", "ftp://127.0.0.1/red.png"), "image_start"),
                invalid("callback_url not https", body -> body.put("callback_url", "http://example.com/hook"), "callback_url"),
                invalid("model_params not an object", body -> body.put("model_params", "multi"), "model_params"),
                invalid("text-to-video with an image", body -> body.put("model", "kling-v3-text-to-video"), "image_start"),
                invalid("text-to-video without a prompt",
                        body -> body.put("model", "kling-v3-text-to-video").without(List.of("image_start", "prompt")), "prompt"));
    }

    private static Arguments invalid(String description, Consumer<ObjectNode> change, String field) {
        return Arguments.of(description, change, field);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidParameters")
    void refusesInvalidParametersNamingTheField(String description, Consumer<ObjectNode> change, String field) throws Exception {
        ObjectNode body = validBody();
        change.accept(body);

        HttpResponse<String> response = create(body);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(field);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void refusesImagesItCannotUse() throws Exception {
        assertInvalidImage(validBody().put("image_start", imageUrl("/missing.png")), "image_start");
        assertInvalidImage(validBody().put("image_start", imageUrl("/tiny.png")), "image_start");
        assertInvalidImage(validBody().put("image_end", imageUrl("/notes.txt")), "image_end");
        assertInvalidImage(validBody().put("image_start", "http://127.0.0.1:1/red.png"), "image_start");
        assertThat(sandbox.createRequests()).isEqualTo(4);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void rendersAnImageToVideoTaskThroughItsWholeLifecycle() throws Exception {
        ObjectNode body = validBody().put("image_end", imageUrl("/blue.png")).put("duration", 3)
                .put("quality", "1080p").put("sound", "on");

        HttpResponse<String> created = create(body);

        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode task = JSON.readTree(created.body());
        String id = task.get("id").asText();
        assertThat(id).matches("task-unified-\\d{10}-[a-z0-9]{8}");
        assertThat(id).contains("-" + task.get("created").asLong() + "-");
        assertThat(task.get("model").asText()).isEqualTo("kling-v3-image-to-video");
        assertThat(task.get("object").asText()).isEqualTo("video.generation.task");
        assertThat(task.get("type").asText()).isEqualTo("video");
        assertThat(task.get("status").asText()).isEqualTo("pending");
        assertThat(task.get("progress").asInt()).isZero();
        assertThat(task.at("/task_info/can_cancel").asBoolean()).isTrue();
        assertThat(task.at("/task_info/estimated_time").asInt()).isEqualTo(1);
        assertThat(task.at("/usage/billing_rule").asText()).isEqualTo("per_second");
        assertThat(task.at("/usage/estimated_cost").asDouble()).isCloseTo(0.45, within(1e-9)); // $0.075 x 2.0 x 3 s
        assertThat(task.at("/usage/credits_reserved").asDouble()).isCloseTo(32.4, within(1e-9));
        assertThat(sandbox.taskIds()).containsExactly(id);
        assertThat(sandbox.createRequests()).isEqualTo(1);

        List<JsonNode> polls = pollUntilFinished(id);

        assertThat(polls.get(0).get("status").asText()).isIn("pending", "processing");
        assertThat(polls).extracting(poll -> poll.get("status").asText()).contains("processing");
        assertThat(polls).extracting(poll -> poll.get("progress").asInt()).isSorted();
        JsonNode completed = polls.get(polls.size() - 1);
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        assertThat(completed.get("progress").asInt()).isEqualTo(100);
        assertThat(completed.at("/task_info/can_cancel").asBoolean()).isFalse();
        assertThat(completed.get("usage")).isEqualTo(task.get("usage"));
        String videoUrl = completed.at("/results/0").asText();
        assertThat(videoUrl).isEqualTo(sandbox.baseUrl() + "/v1/files/" + id + ".mp4");

        HttpResponse<byte[]> video = HTTP.send(HttpRequest.newBuilder(URI.create(videoUrl)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(video.statusCode()).isEqualTo(200);
        assertThat(video.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(video.headers().firstValueAsLong("Content-Length")).hasValue(video.body().length);
        Mp4Boxes boxes = new Mp4Boxes(video.body());
        assertThat(boxes.topLevelTypes()).contains("ftyp", "moov");
        assertThat(boxes.trackHandlerType()).isEqualTo("vide");
        assertThat(boxes.firstSampleEntry().type()).isEqualTo("avc1");
        assertThat(boxes.durationSeconds()).isCloseTo(3.0, within(0.1));
    }

    @Test
    void rendersATextToVideoTaskInTheRequestedAspectRatio() throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", "kling-v3-text-to-video")
                .put("prompt", "A paper boat drifting on a pond").put("duration", 3).put("aspect_ratio", "9:16");

        String id = JSON.readTree(create(body).body()).get("id").asText();
        List<JsonNode> polls = pollUntilFinished(id);

        JsonNode completed = polls.get(polls.size() - 1);
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        byte[] video = HTTP.send(HttpRequest.newBuilder(URI.create(completed.at("/results/0").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        Mp4Boxes boxes = new Mp4Boxes(video);
        assertThat(boxes.sampleEntrySize(boxes.firstSampleEntry())).containsExactly(180, 320);
    }

    @Test
    void answersUnknownTasksFilesAndRoutesWithNotFound() throws Exception {
        HttpResponse<String> task = send(authorized("/v1/tasks/task-unified-1757169743-7cvnl5zw"));
        HttpResponse<String> file = send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/files/task-unified-1757169743-7cvnl5zw.mp4")));
        HttpResponse<String> route = send(authorized("/v1/videos"));

        assertThat(task.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(task.body()).at("/error/code").asText()).isEqualTo("task_not_found");
        assertThat(file.statusCode()).isEqualTo(404);
        assertThat(route.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(route.body()).at("/error/type").asText()).isEqualTo("not_found_error");
    }

    private void assertInvalidImage(ObjectNode body, String field) throws Exception {
        HttpResponse<String> response = create(body);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_image");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(field);
    }

    private List<JsonNode> pollUntilFinished(String id) throws Exception {
        List<JsonNode> polls = new ArrayList<>();
        long deadline = System.nanoTime() + COMPLETION_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = send(authorized("/v1/tasks/" + id));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode task = JSON.readTree(response.body());
            polls.add(task);
            if (List.of("completed", "failed").contains(task.get("status").asText())) {
                return polls;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Task " + id + " did not finish within " + COMPLETION_LIMIT + ": " + polls);
    }

    private ObjectNode validBody() {
        return JSON.createObjectNode()
                .put("model", "kling-v3-image-to-video")
                .put("prompt", "The flag ripples in the wind")
                .put("image_start", imageUrl("/red.png"));
    }

    private String imageUrl(String path) {
        return "http://127.0.0.1:" + imageHost.getAddress().getPort() + path;
    }

    private HttpResponse<String> create(ObjectNode body) throws Exception {
        return send(authorized("/v1/videos/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(sandbox.baseUrl().resolve(path)).header("Authorization", "Bearer " + sandbox.credential("api_key"));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
