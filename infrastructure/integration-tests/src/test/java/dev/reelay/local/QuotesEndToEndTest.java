package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/quotes} end to end on the local stack: a quote is what the same body's submission is then
 * charged and at which vendor; a body the submit would refuse is refused alike; nothing is recorded by a
 * quote; and it needs a key like every route of the API.
 */
@EndToEnd
class QuotesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private static LocalRuntime runtime;
    private static ApiTestClient client;

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
        client = ApiTestClient.of(runtime);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static HttpResponse<String> quote(String key, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/quotes"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode taskList() throws Exception {
        HttpResponse<String> listed = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks?limit=100"))
                .header("Authorization", "Bearer " + runtime.defaultApiKey()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        return JSON.readTree(listed.body()).path("data");
    }

    @Test
    void aQuoteIsWhatTheSubmissionIsThenChargedAndRecordsNothing(@TempDir Path dir) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves roll in",
                "image_start", ApiTestClient.frameImage(dir), "duration", 3, "quality", "720p", "sound", "off"));
        int before = taskList().size();

        HttpResponse<String> answered = quote(runtime.defaultApiKey(), body);

        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        JsonNode quote = JSON.readTree(answered.body());
        assertThat(quote.path("object").asText()).isEqualTo("quote");
        assertThat(quote.path("billed_seconds").asInt()).isEqualTo(3);
        assertThat(quote.path("images_checked").asBoolean(true)).isFalse();
        assertThat(quote.path("reserved_usd").decimalValue()).isGreaterThanOrEqualTo(quote.path("cost_usd").decimalValue());
        assertThat(quote.path("candidates").get(0).path("provider").asText()).isEqualTo(quote.path("provider").asText());
        assertThat(taskList()).as("a quote records no task").hasSize(before);

        JsonNode task = client.awaitEnd(client.submit(body), LIMIT);
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo(quote.path("provider").asText());
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo(quote.path("cost_usd").decimalValue());
    }

    @Test
    void aBodyTheSubmitWouldRefuseIsRefusedWithTheSameCodeAndParam() throws Exception {
        Map<String, Object> body = Map.of("model", "kling-v3-text-to-video", "prompt", "a storm", "duration", 5,
                "model_params", Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt",
                        java.util.List.of(Map.of("index", 1, "prompt", "a", "duration", 2), Map.of("index", 2, "prompt", "b", "duration", 2))));

        HttpResponse<String> refused = quote(runtime.defaultApiKey(), body);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_multi_prompt");
        assertThat(error.path("param").asText()).isEqualTo("model_params.multi_prompt");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void aQuoteNeedsAValidKey() throws Exception {
        Map<String, Object> body = Map.of("model", "kling-v3-text-to-video", "prompt", "a storm", "duration", 5);

        assertThat(quote(null, body).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = quote("rly_" + "x".repeat(43), body);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrong.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
    }
}
