package dev.reelay.local.sandbox.kling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.local.sandbox.CallbackReceiver;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Sandboxes;
import dev.reelay.local.sandbox.TestImages;
import java.awt.Color;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kling's wire contract over raw HTTP: JWT refusals, validation, routes, listing, callbacks and concurrency. */
class KlingDialectTest {
    private static final String RED_PNG = Base64.getEncoder().encodeToString(TestImages.png(TestImages.solid(Color.RED, 640, 360)));
    private static final String TINY_PNG = Base64.getEncoder().encodeToString(TestImages.png(TestImages.solid(Color.RED, 200, 200)));

    private Sandbox sandbox;
    private KlingClient client;

    @BeforeEach
    void start() throws Exception {
        sandbox = Sandboxes.kling(SandboxSettings.forTests(), false);
        client = new KlingClient(sandbox);
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    /** The Authorization header a client sends, given the sandbox's keys; null sends none. */
    interface Authorization {
        String header(KlingClient client, Instant now) throws Exception;
    }

    static Stream<Arguments> badAuthorizations() {
        return Stream.of(
                Arguments.of("no header", (Authorization) (c, now) -> null, 1001),
                Arguments.of("an empty bearer", (Authorization) (c, now) -> "Bearer ", 1001),
                Arguments.of("an expired token", (Authorization) (c, now) ->
                        "Bearer " + KlingClient.jwt("HS256", c.accessKey(), c.secretKey(), now.minusSeconds(3600), now.minusSeconds(60)), 1004),
                Arguments.of("a token valid only in a minute", (Authorization) (c, now) ->
                        "Bearer " + KlingClient.jwt("HS256", c.accessKey(), c.secretKey(), now.plusSeconds(60), now.plusSeconds(1800)), 1003),
                Arguments.of("a token signed with another secret", (Authorization) (c, now) ->
                        "Bearer " + KlingClient.jwt("HS256", c.accessKey(), "not-the-secret", now.minusSeconds(5), now.plusSeconds(1800)), 1002),
                Arguments.of("a token of another access key", (Authorization) (c, now) ->
                        "Bearer " + KlingClient.jwt("HS256", "someone-else", c.secretKey(), now.minusSeconds(5), now.plusSeconds(1800)), 1002),
                Arguments.of("a token whose header says HS512", (Authorization) (c, now) ->
                        "Bearer " + KlingClient.jwt("HS512", c.accessKey(), c.secretKey(), now.minusSeconds(5), now.plusSeconds(1800)), 1002),
                Arguments.of("the secret key as a plain API key", (Authorization) (c, now) -> "Bearer " + c.secretKey(), 1002),
                Arguments.of("another scheme", (Authorization) (c, now) -> "Basic " + c.accessKey(), 1002));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badAuthorizations")
    void refusesEveryRouteWithoutAValidJwt(String description, Authorization authorization, int code) throws Exception {
        String header = authorization.header(client, Instant.now());
        for (HttpRequest.Builder request : List.of(client.request("/v1/videos/text2video"), client.request("/v1/videos/image2video/123"),
                client.request("/v1/videos/text2video").POST(HttpRequest.BodyPublishers.ofString(KlingClient.textToVideo("A kite").toString())))) {
            if (header != null) {
                request.header("Authorization", header);
            }
            HttpResponse<String> response = client.send(request);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
            JsonNode body = KlingClient.JSON.readTree(response.body());
            assertThat(body.get("code").asInt()).isEqualTo(code);
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("data").isNull()).isTrue();
        }
        assertThat(sandbox.createRequests()).isEqualTo(1);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                invalid("a data: prefix on the image", "image2video", body -> body.put("image", "data:image/png;base64," + RED_PNG), "data:"),
                invalid("duration \"2\"", "text2video", body -> body.put("duration", "2"), "duration"),
                invalid("duration \"16\"", "text2video", body -> body.put("duration", "16"), "duration"),
                invalid("duration 16 as a number", "text2video", body -> body.put("duration", 16), "duration"),
                invalid("duration 5.5", "text2video", body -> body.put("duration", 5.5), "duration"),
                invalid("a model_name outside Kling's enum", "text2video", body -> body.put("model_name", "kling-v9"), "model_name"),
                invalid("a model_name of another vendor", "text2video", body -> body.put("model_name", "kling-v3-std-silent"), "model_name"),
                invalid("a 2501-character prompt", "text2video", body -> body.put("prompt", "a".repeat(2501)), "prompt"),
                invalid("no prompt", "text2video", body -> body.put("prompt", ""), "prompt"),
                invalid("mode 4k", "text2video", body -> body.put("mode", "4k"), "mode"),
                invalid("aspect_ratio 4:3", "text2video", body -> body.put("aspect_ratio", "4:3"), "aspect_ratio"),
                invalid("cfg_scale 1.5", "text2video", body -> body.put("cfg_scale", 1.5), "cfg_scale"),
                invalid("shots not adding up to the duration", "text2video", body -> shots(body, "3", "1", "1"), "add up"),
                invalid("shot indexes with a gap", "text2video", body -> {
                    shots(body, "3", "1", "2");
                    ((ObjectNode) body.get("multi_prompt").get(1)).put("index", 3);
                }, "indexes"),
                invalid("multi_shot without shot_type", "text2video", body -> body.put("multi_shot", true), "shot_type"),
                invalid("four elements", "text2video", body -> {
                    for (int id = 1; id <= 4; id++) {
                        body.withArray("element_list").addObject().put("element_id", id);
                    }
                }, "element_list"),
                invalid("a voice without sound", "text2video", body -> body.putArray("voice_list").addObject().put("voice_id", "v1"), "sound"),
                invalid("a callback_url that is not http", "text2video", body -> body.put("callback_url", "ftp://127.0.0.1/hook"), "callback_url"),
                invalid("image2video without an image", "image2video", body -> { }, "image"),
                invalid("image_tail with camera_control", "image2video", body -> {
                    body.put("image", RED_PNG).put("image_tail", RED_PNG);
                    body.putObject("camera_control").put("type", "down_back");
                }, "mutually exclusive"),
                invalid("a 200 px image", "image2video", body -> body.put("image", TINY_PNG), "300"),
                invalid("an image that is not base64", "image2video", body -> body.put("image", "not base64!"), "base64"));
    }

    private static Arguments invalid(String description, String route, Consumer<ObjectNode> change, String mentioned) {
        return Arguments.of(description, route, change, mentioned);
    }

    private static void shots(ObjectNode body, String total, String... durations) {
        body.put("duration", total).put("multi_shot", true).put("shot_type", "customize");
        for (int i = 0; i < durations.length; i++) {
            body.withArray("multi_prompt").addObject().put("index", i + 1).put("prompt", "Shot " + (i + 1)).put("duration", durations[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void refusesInvalidRequestsWith1201NamingTheProblem(String description, String route, Consumer<ObjectNode> change, String mentioned) throws Exception {
        ObjectNode body = KlingClient.textToVideo("A kite");
        change.accept(body);

        HttpResponse<String> response = client.create(route, body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = KlingClient.JSON.readTree(response.body());
        assertThat(error.get("code").asInt()).isEqualTo(1201);
        assertThat(error.get("message").asText()).contains(mentioned);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    /** Kling's documented model_name enum; without one (or with a blank one) the API uses its default, kling-v1. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kling-v1", "kling-v1-5", "kling-v1-6", "kling-v2-master", "kling-v2-1", "kling-v2-1-master",
            "kling-v2-5-turbo", "kling-v2-6", "kling-v3", "(blank)", "(none)"})
    void acceptsEveryDocumentedModelNameAndNone(String modelName) throws Exception {
        ObjectNode body = KlingClient.textToVideo("A kite");
        switch (modelName) {
            case "(none)" -> body.remove("model_name");
            case "(blank)" -> body.put("model_name", "");
            default -> body.put("model_name", modelName);
        }

        JsonNode created = client.accepted("text2video", body);

        assertThat(created.get("task_status").asText()).isEqualTo("submitted");
        assertThat(sandbox.taskIds()).containsExactly(created.get("task_id").asText());
    }

    @Test
    void acceptsTheDocumentedMultiShotShapeWithBlankOptionalFieldsAndAnIntegerDuration() throws Exception {
        ObjectNode body = KlingClient.textToVideo("").put("multi_shot", "true").put("shot_type", "customize").put("duration", 5)
                .put("callback_url", "").put("external_task_id", "").put("negative_prompt", "").put("aspect_ratio", "9:16");
        body.putArray("multi_prompt").add(shot(1, "Two friends talk", "2")).add(shot(2, "A runner sprints", "3"));

        JsonNode created = client.accepted("text2video", body);

        assertThat(created.get("task_status").asText()).isEqualTo("submitted");
        assertThat(created.at("/task_info/external_task_id").asText()).isEmpty();
        assertThat(created.get("created_at").asLong()).isEqualTo(created.get("updated_at").asLong())
                .isCloseTo(Instant.now().toEpochMilli(), Offset.offset(10_000L));
        JsonNode task = client.awaitFinished("text2video", created.get("task_id").asText());
        assertThat(task.get("task_status").asText()).isEqualTo("succeed");
        assertThat(task.at("/task_result/videos/0/duration").asText()).isEqualTo("5");
        assertThat(task.get("final_unit_deduction").asText()).isEqualTo("1.5");
    }

    private static ObjectNode shot(int index, String prompt, String duration) {
        return KlingClient.JSON.createObjectNode().put("index", index).put("prompt", prompt).put("duration", duration);
    }

    @Test
    void anExternalTaskIdIsUniquePerAccountAndFindsItsTaskOnlyOnItsOwnRoute() throws Exception {
        String taskId = client.accepted("text2video", KlingClient.textToVideo("A kite").put("external_task_id", "mine-1")).get("task_id").asText();

        HttpResponse<String> duplicate = client.create("image2video", KlingClient.textToVideo("A kite").put("image", RED_PNG)
                .put("external_task_id", "mine-1"));
        assertThat(duplicate.statusCode()).isEqualTo(400);
        assertThat(KlingClient.JSON.readTree(duplicate.body()).get("code").asInt()).isEqualTo(1201);
        assertThat(duplicate.body()).contains("external_task_id already exists");

        assertThat(dataOf(client.get("/v1/videos/text2video/" + taskId)).get("task_id").asText()).isEqualTo(taskId);
        assertThat(dataOf(client.get("/v1/videos/text2video/mine-1")).get("task_id").asText()).isEqualTo(taskId);
        HttpResponse<String> otherRoute = client.get("/v1/videos/image2video/" + taskId);
        assertThat(otherRoute.statusCode()).isEqualTo(404);
        assertThat(KlingClient.JSON.readTree(otherRoute.body()).get("code").asInt()).isEqualTo(1203);

        JsonNode listed = dataOf(client.get("/v1/videos/text2video?external_task_id=mine-1"));
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("task_id").asText()).isEqualTo(taskId);
        assertThat(dataOf(client.get("/v1/videos/image2video?external_task_id=mine-1"))).isEmpty();
        assertThat(dataOf(client.get("/v1/videos/text2video?pageNum=1&pageSize=500"))).hasSize(1);
        assertThat(dataOf(client.get("/v1/videos/text2video?pageNum=2&pageSize=1"))).isEmpty();
        for (String badPage : List.of("pageNum=0", "pageNum=1001", "pageSize=0", "pageSize=501", "pageSize=ten")) {
            HttpResponse<String> refused = client.get("/v1/videos/text2video?" + badPage);
            assertThat(refused.statusCode()).as(badPage).isEqualTo(400);
            assertThat(KlingClient.JSON.readTree(refused.body()).get("code").asInt()).isEqualTo(1201);
        }
    }

    @Test
    void callsBackWithTheBareTaskObjectOnEveryStatusChange() throws Exception {
        HttpServer imageHost = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] png = Base64.getDecoder().decode(RED_PNG);
        imageHost.createContext("/red.png", exchange -> {
            try (exchange; OutputStream out = exchange.getResponseBody()) {
                exchange.sendResponseHeaders(200, png.length);
                out.write(png);
            }
        });
        imageHost.start();
        try (CallbackReceiver receiver = CallbackReceiver.start()) {
            String imageUrl = "http://127.0.0.1:" + imageHost.getAddress().getPort() + "/red.png";
            String taskId = client.accepted("image2video", KlingClient.textToVideo("The kite rises").put("image", imageUrl)
                    .put("callback_url", receiver.url()).put("external_task_id", "hooked-1")).get("task_id").asText();

            List<CallbackReceiver.Received> callbacks = receiver.await(3);
            JsonNode finished = client.awaitFinished("image2video", taskId);

            assertThat(callbacks).extracting(callback -> callback.body().get("task_status").asText())
                    .containsExactlyInAnyOrder("submitted", "processing", "succeed");
            JsonNode last = callbacks.stream().map(CallbackReceiver.Received::body)
                    .filter(body -> body.get("task_status").asText().equals("succeed")).findFirst().orElseThrow();
            assertThat(last).isEqualTo(finished);
            assertThat(last.has("code")).as("a bare task object, not an envelope").isFalse();
            assertThat(last.at("/task_info/external_task_id").asText()).isEqualTo("hooked-1");
            assertThat(last.at("/task_result/videos/0/url").asText()).startsWith(sandbox.baseUrl().toString());
            assertThat(last.at("/watermark_info/enabled").asBoolean(true)).isFalse();
            assertThat(last.get("updated_at").asLong()).isGreaterThan(last.get("created_at").asLong());
            Thread.sleep(300);
            assertThat(receiver.all()).hasSize(3);
        } finally {
            imageHost.stop(0);
        }
    }

    @Test
    void aTaskHoldsAConcurrencySlotUntilItEnds() throws Exception {
        try (Sandbox limited = Sandboxes.kling(SandboxSettings.forTests(), false, 1)) {
            KlingClient limitedClient = new KlingClient(limited);
            String first = limitedClient.accepted("text2video", KlingClient.textToVideo("First")).get("task_id").asText();

            HttpResponse<String> refused = limitedClient.create("text2video", KlingClient.textToVideo("Second"));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(KlingClient.JSON.readTree(refused.body()).get("code").asInt()).isEqualTo(1303);

            limitedClient.awaitFinished("text2video", first);
            limitedClient.accepted("text2video", KlingClient.textToVideo("Third"));
        }
    }

    @Test
    void aRefusalScriptedByStatusAndCodeSpeaksForTheCode() throws Exception {
        KlingDialect dialect = new KlingDialect();
        sandbox.faults().refuseSubmissions(1, dialect.typicalRefusal(429).withCode("1303"))
                .refuseSubmissions(1, dialect.typicalRefusal(503));

        HttpResponse<String> concurrency = client.create("text2video", KlingClient.textToVideo("A kite"));
        HttpResponse<String> maintenance = client.create("text2video", KlingClient.textToVideo("A kite"));

        assertThat(concurrency.statusCode()).isEqualTo(429);
        JsonNode concurrencyBody = KlingClient.JSON.readTree(concurrency.body());
        assertThat(concurrencyBody.get("code").asInt()).isEqualTo(1303);
        assertThat(concurrencyBody.get("message").asText()).contains("concurrency");
        assertThat(maintenance.statusCode()).isEqualTo(503);
        assertThat(KlingClient.JSON.readTree(maintenance.body()).get("code").asInt()).isEqualTo(5001);
        assertThat(sandbox.taskIds()).isEmpty();
    }

    private static JsonNode dataOf(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode envelope = KlingClient.JSON.readTree(response.body());
        assertThat(envelope.get("code").asInt()).isZero();
        assertThat(envelope.get("message").asText()).isEqualTo("SUCCEED");
        return envelope.get("data");
    }
}
