package dev.reelay.local.sandbox.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.Mp4Boxes;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway sandbox over raw HTTP: its answers' exact shapes, and every documented rule as a refusal. */
class GatewaySandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String IMAGE = "http://127.0.0.1:1/first.png";
    /** The gateway's documented text-to-video example, verbatim. */
    private static final String DOCUMENTED_TEXT_TO_VIDEO = """
            {
            "model": "kling-v3-std-silent",
            "prompt": "A wide cinematic shot of a traveler walking through dusty desert ruins, cloak moving in the wind, slow pullback, natural motion.",
            "aspect_ratio": "16:9",
            "duration": 5,
            "extra_body": {
            "cfg_scale": 0.5,
            "shot_type": "customize",
            "negative_prompt": "blur, low detail"
            }
            }""";

    private Sandbox sandbox;

    @BeforeEach
    void start() throws IOException {
        sandbox = Sandboxes.gateway(SandboxSettings.forTests().withTiming(Duration.ofMillis(500), 2), false);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void refusesAMissingOrWrongApiKeyInOpenAisEnvelope() throws Exception {
        HttpRequest.Builder create = HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/video/generations"))
                .POST(HttpRequest.BodyPublishers.ofString(DOCUMENTED_TEXT_TO_VIDEO));
        List<HttpResponse<String>> refused = List.of(
                send(create),
                send(create.copy().header("Authorization", "Bearer sk-not-" + sandbox.credential("api_key"))),
                send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/videos/task_xxx"))));

        for (HttpResponse<String> response : refused) {
            assertThat(response.statusCode()).isEqualTo(401);
            JsonNode error = JSON.readTree(response.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.get("type").asText()).isEqualTo("authentication_error");
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.get("param").isNull()).isTrue();
        }
        assertThat(sandbox.credential("api_key")).startsWith("sk-");
        assertThat(sandbox.createRequests()).isEqualTo(2);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                invalid("quoted duration", body -> body.put("duration", "5"), "duration"),
                invalid("duration below 3", body -> body.put("duration", 2), "duration"),
                invalid("duration above 15", body -> body.put("duration", 16), "duration"),
                invalid("APIMart's model name", body -> body.put("model", "kling-v3"), "model"),
                invalid("a 4k model", body -> body.put("model", "kling-v3-4k-audio"), "model"),
                invalid("no model", body -> body.remove("model"), "model"),
                invalid("no prompt", body -> body.remove("prompt"), "prompt"),
                invalid("last image without a first", body -> body.put("last_image", IMAGE), "last_image"),
                invalid("prompt with extra_body.multi_prompt in image mode", body -> shots(body.put("image", IMAGE), 2, 3),
                        "prompt must not be sent with extra_body.multi_prompt"),
                invalid("text mode shots without a prompt", body -> shots(body, 2, 3).remove("prompt"), "prompt"),
                invalid("shots not adding up to duration", body -> shots(body, 2, 2), "extra_body.multi_prompt"),
                invalid("seven shots", body -> shots(body.put("duration", 7), 1, 1, 1, 1, 1, 1, 1), "extra_body.multi_prompt"),
                invalid("shot indexes with a gap", body -> shots(body, 2, 3).withObject("/extra_body/multi_prompt/1").put("index", 3),
                        "extra_body.multi_prompt[1].index"),
                invalid("unknown aspect ratio", body -> body.put("aspect_ratio", "4:3"), "aspect_ratio"),
                invalid("image not a URL", body -> body.put("image", "first.png"), "image"),
                invalid("extra_body not an object", body -> body.put("extra_body", "cfg_scale=0.5"), "extra_body"),
                invalid("cfg_scale above 1", body -> body.withObject("extra_body").put("cfg_scale", 1.5), "cfg_scale"),
                invalid("cfg_scale quoted", body -> body.withObject("extra_body").put("cfg_scale", "0.5"), "cfg_scale"),
                invalid("Kling's shot_type spelling", body -> body.withObject("extra_body").put("shot_type", "intelligence"), "shot_type"),
                invalid("four elements", body -> elements(body, 4), "extra_body.element_list"),
                invalid("negative prompt over 2500 characters",
                        body -> body.withObject("extra_body").put("negative_prompt", "a".repeat(2501)), "extra_body.negative_prompt"));
    }

    private static Arguments invalid(String description, Consumer<ObjectNode> change, String named) {
        return Arguments.of(description, change, named);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void refusesARequestBreakingADocumentedRuleNamingTheField(String description, Consumer<ObjectNode> change, String named)
            throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(DOCUMENTED_TEXT_TO_VIDEO);
        change.accept(body);

        HttpResponse<String> response = create(body.toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(named);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    @Test
    void acceptsTheDocumentedTextToVideoExampleAndAnswersWithTheJobObject() throws Exception {
        long before = Instant.now().getEpochSecond();

        HttpResponse<String> created = create(DOCUMENTED_TEXT_TO_VIDEO);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode job = JSON.readTree(created.body());
        String id = job.get("id").asText();
        assertThat(id).matches("task_[A-Za-z0-9]{32}");
        assertThat(job.get("task_id").asText()).isEqualTo(id);
        assertThat(job.get("object").asText()).isEqualTo("video.generation.job");
        assertThat(job.get("model").asText()).isEqualTo("kling-v3-std-silent");
        assertThat(job.get("status").asText()).isEqualTo("queued");
        assertThat(job.get("progress").asInt()).isZero();
        assertThat(job.get("created_at").asLong()).isBetween(before, Instant.now().getEpochSecond());
        assertThat(sandbox.taskIds()).containsExactly(id);

        List<JsonNode> polls = pollUntilFinished(id);

        assertThat(polls).extracting(poll -> poll.get("status").asText()).isSubsetOf("queued", "in_progress", "completed");
        JsonNode done = polls.get(polls.size() - 1);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("progress").asInt()).isEqualTo(100);
        assertThat(done.get("video_url").asText()).isEqualTo(sandbox.baseUrl() + "/v1/files/" + id + ".mp4");
        assertThat(done.has("error")).isFalse();
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(done.get("video_url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(file.body().length);
        assertThat(new Mp4Boxes(file.body()).durationSeconds()).isBetween(4.9, 5.1);
    }

    @Test
    void answersUnknownTasksAndRoutesWithNotFound() throws Exception {
        HttpResponse<String> task = send(authorized("/v1/videos/task_xxx"));
        HttpResponse<String> route = send(authorized("/v1/video/generations/task_xxx"));

        assertThat(task.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(task.body()).at("/error/code").asText()).isEqualTo("task_not_exist");
        assertThat(route.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(route.body()).at("/error/code").asText()).isEqualTo("unknown_url");
    }

    /** Adds Kling-style shots (durations quoted) of these lengths to extra_body. */
    private static ObjectNode shots(ObjectNode body, int... durations) {
        ArrayNode shots = body.withObject("extra_body").putArray("multi_prompt");
        for (int i = 0; i < durations.length; i++) {
            shots.addObject().put("index", i + 1).put("prompt", "Shot " + (i + 1)).put("duration", Integer.toString(durations[i]));
        }
        return body;
    }

    private static ObjectNode elements(ObjectNode body, int count) {
        ArrayNode elements = body.withObject("extra_body").putArray("element_list");
        for (int i = 0; i < count; i++) {
            elements.addObject().put("element_id", 160 + i);
        }
        return body;
    }

    private List<JsonNode> pollUntilFinished(String id) throws Exception {
        List<JsonNode> polls = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = send(authorized("/v1/videos/" + id));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode job = JSON.readTree(response.body());
            polls.add(job);
            if (List.of("completed", "failed").contains(job.get("status").asText())) {
                return polls;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Task " + id + " did not finish: " + polls);
    }

    private HttpResponse<String> create(String body) throws Exception {
        return send(authorized("/v1/video/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(sandbox.baseUrl().resolve(path)).header("Authorization", "Bearer " + sandbox.credential("api_key"));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
