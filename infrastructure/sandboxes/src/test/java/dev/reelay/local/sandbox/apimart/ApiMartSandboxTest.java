package dev.reelay.local.sandbox.apimart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Sandboxes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The APIMart sandbox over raw HTTP: its answers' exact shapes, and every documented rule as a refusal. */
class ApiMartSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String IMAGE = "http://127.0.0.1:1/first.png";

    private Sandbox sandbox;

    @BeforeEach
    void start() throws IOException {
        sandbox = Sandboxes.apimart(SandboxSettings.forTests().withTiming(Duration.ofMillis(500), 2), false);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void refusesAMissingOrWrongApiKey() throws Exception {
        HttpRequest.Builder create = HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/videos/generations"))
                .POST(HttpRequest.BodyPublishers.ofString(textToVideo().toString()));
        List<HttpResponse<String>> refused = List.of(
                send(create),
                send(create.copy().header("Authorization", "Bearer not-" + sandbox.credential("api_key"))),
                send(create.copy().header("Authorization", sandbox.credential("api_key"))),
                send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/task_01K8SGYNNNVBQTXNR4MM964S7K"))));

        for (HttpResponse<String> response : refused) {
            assertThat(response.statusCode()).isEqualTo(401);
            JsonNode error = JSON.readTree(response.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.get("type").asText()).isEqualTo("authentication_error");
            assertThat(error.get("message").asText()).isNotBlank();
        }
        assertThat(sandbox.createRequests()).isEqualTo(3);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                invalid("quoted duration, as APIMart warns", body -> body.put("duration", "5"), "duration must be a plain number"),
                invalid("duration below 3", body -> body.put("duration", 2), "duration"),
                invalid("duration above 15", body -> body.put("duration", 16), "duration"),
                invalid("fractional duration", body -> body.put("duration", 5.5), "duration"),
                invalid("unknown mode", body -> body.put("mode", "8k"), "mode"),
                invalid("unknown model", body -> body.put("model", "kling-v2-6"), "model"),
                invalid("no model", body -> body.remove("model"), "model"),
                invalid("no prompt", body -> body.remove("prompt"), "prompt"),
                invalid("prompt over 2500 characters", body -> body.put("prompt", "a".repeat(2501)), "prompt"),
                invalid("negative_prompt not a string", body -> body.put("negative_prompt", 7), "negative_prompt"),
                invalid("unknown aspect ratio", body -> body.put("aspect_ratio", "4:3"), "aspect_ratio"),
                invalid("three image URLs", body -> body.putArray("image_urls").add(IMAGE).add(IMAGE).add(IMAGE), "image_urls"),
                invalid("image_urls a string", body -> body.put("image_urls", IMAGE), "image_urls"),
                invalid("image URL not http", body -> body.putArray("image_urls").add("ftp://127.0.0.1/a.png"), "image_urls[0]"),
                invalid("audio as a string", body -> body.put("audio", "true"), "audio"),
                invalid("watermark as a number", body -> body.put("watermark", 1), "watermark"),
                invalid("multi_shot without shot_type", body -> multiShot(body, 1, 2).remove("shot_type"), "shot_type"),
                invalid("the gateway's shot_type spelling", body -> multiShot(body, 1, 2).put("shot_type", "intelligent"), "shot_type"),
                invalid("customize without multi_prompt", body -> multiShot(body, 1, 2).remove("multi_prompt"), "multi_prompt"),
                invalid("seven shots", body -> multiShot(body, 1, 1, 1, 1, 1, 1, 1).put("duration", 7), "multi_prompt"),
                invalid("shots summing to less than duration", body -> multiShot(body, 1, 1), "multi_prompt"),
                invalid("a shot of 0 s", body -> multiShot(body, 0, 3), "multi_prompt[0].duration"),
                invalid("a quoted shot duration", body -> multiShot(body, 1, 2).withObject("/multi_prompt/1").put("duration", "2"),
                        "multi_prompt[1].duration"),
                invalid("indexes not from 1", body -> multiShot(body, 1, 2).withObject("/multi_prompt/0").put("index", 0),
                        "multi_prompt[0].index"),
                invalid("indexes with a gap", body -> multiShot(body, 1, 2).withObject("/multi_prompt/1").put("index", 3),
                        "multi_prompt[1].index"),
                invalid("a shot prompt over 512 characters",
                        body -> multiShot(body, 1, 2).withObject("/multi_prompt/0").put("prompt", "a".repeat(513)),
                        "multi_prompt[0].prompt"),
                invalid("four subjects", body -> subjects(body, 4, 2), "element_list"),
                invalid("a subject with one picture", body -> subjects(body, 1, 1), "element_list[0].element_input_urls"),
                invalid("a subject with five pictures", body -> subjects(body, 1, 5), "element_list[0].element_input_urls"),
                invalid("a subject without a name", body -> subjects(body, 1, 2).withObject("/element_list/0").remove("name"),
                        "element_list[0].name"));
    }

    private static Arguments invalid(String description, Consumer<ObjectNode> change, String named) {
        return Arguments.of(description, change, named);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void refusesARequestBreakingADocumentedRuleNamingTheField(String description, Consumer<ObjectNode> change, String named)
            throws Exception {
        ObjectNode body = textToVideo();
        change.accept(body);

        HttpResponse<String> response = create(body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(named);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void refusesABodyThatIsNotJson() throws Exception {
        HttpResponse<String> response = send(authorized("/v1/videos/generations").POST(HttpRequest.BodyPublishers.ofString("{\"model\":")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void acceptsAMultiShotStoryboardWithoutATopLevelPromptAndAnswersInApiMartsShapes() throws Exception {
        ObjectNode body = multiShot(textToVideo(), 1, 2).put("audio", true).put("watermark", false).put("mode", "pro");
        body.remove("prompt");
        subjects(body, 3, 4);
        long before = Instant.now().getEpochSecond();

        HttpResponse<String> created = create(body);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(created.body());
        assertThat(answer.get("code").asInt()).isEqualTo(200);
        assertThat(answer.get("data")).hasSize(1);
        assertThat(answer.at("/data/0/status").asText()).isEqualTo("submitted");
        String id = answer.at("/data/0/task_id").asText();
        assertThat(id).matches("task_[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(sandbox.taskIds()).containsExactly(id);

        JsonNode first = query(id);
        assertThat(first.get("code").asInt()).isEqualTo(200);
        assertThat(first.at("/data/id").asText()).isEqualTo(id);
        assertThat(first.at("/data/status").asText()).isIn("submitted", "processing");
        assertThat(first.at("/data/estimated_time").asInt()).isEqualTo(1);
        assertThat(first.at("/data/result").isMissingNode()).isTrue();
        assertThat(first.at("/data/actual_time").isMissingNode()).isTrue();

        JsonNode done = awaitFinished(id);
        assertThat(done.at("/data/status").asText()).isEqualTo("completed");
        assertThat(done.at("/data/progress").asInt()).isEqualTo(100);
        assertThat(done.at("/data/actual_time").asInt()).isPositive();
        JsonNode video = done.at("/data/result/videos/0");
        assertThat(video.get("url")).hasSize(1);
        assertThat(video.at("/url/0").asText()).isEqualTo(sandbox.baseUrl() + "/v1/files/" + id + ".mp4");
        assertThat(video.get("expires_at").asLong()).isGreaterThanOrEqualTo(before + Duration.ofHours(24).toSeconds());
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(video.at("/url/0").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(file.body().length);
    }

    @Test
    void answersAnUnknownTaskWithNotFound() throws Exception {
        HttpResponse<String> response = send(authorized("/v1/tasks/task_01K8SGYNNNVBQTXNR4MM964S7K"));

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("task_not_found");
        assertThat(error.get("message").asText()).contains("task_01K8SGYNNNVBQTXNR4MM964S7K");
    }

    private static ObjectNode textToVideo() {
        return JSON.createObjectNode().put("model", "kling-v3").put("prompt", "a golden retriever running on the beach, sunset, cinematic")
                .put("duration", 3);
    }

    /** Turns the body into a customize storyboard with shots of these durations, the task lasting their sum. */
    private static ObjectNode multiShot(ObjectNode body, int... durations) {
        body.put("multi_shot", true).put("shot_type", "customize").put("duration", 3);
        ArrayNode shots = body.putArray("multi_prompt");
        for (int i = 0; i < durations.length; i++) {
            shots.addObject().put("index", i + 1).put("prompt", "Shot " + (i + 1)).put("duration", durations[i]);
        }
        return body;
    }

    private static ObjectNode subjects(ObjectNode body, int subjects, int pictures) {
        ArrayNode list = body.putArray("element_list");
        for (int i = 0; i < subjects; i++) {
            ArrayNode urls = list.addObject().put("name", "element_" + i).put("description", "subject " + i).putArray("element_input_urls");
            for (int j = 0; j < pictures; j++) {
                urls.add("https://example.com/subject-" + i + "-" + j + ".jpg");
            }
        }
        return body;
    }

    private HttpResponse<String> create(ObjectNode body) throws Exception {
        return send(authorized("/v1/videos/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode query(String id) throws Exception {
        HttpResponse<String> response = send(authorized("/v1/tasks/" + id));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode task = query(id);
            if (List.of("completed", "failed").contains(task.at("/data/status").asText())) {
                return task;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Task " + id + " did not finish");
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(sandbox.baseUrl().resolve(path)).header("Authorization", "Bearer " + sandbox.credential("api_key"));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
