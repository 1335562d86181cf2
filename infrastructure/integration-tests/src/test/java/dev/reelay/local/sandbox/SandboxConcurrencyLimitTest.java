package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.provider.ProviderErrors;
import dev.reelay.adapter.provider.kling.KlingErrors;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.local.sandbox.kling.KlingClient;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import java.awt.Color;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An account's parallel limit ({@link SandboxSettings#maxParallelTasks()}) in every vendor's sandbox, started as
 * {@link Dialects#ALL} starts them, over raw HTTP: a submission beyond the limit gets the vendor's own
 * concurrency error in its own envelope, a job holds its slot until it ends, and the sandbox counts its peak.
 */
class SandboxConcurrencyLimitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration COMPLETION_LIMIT = Duration.ofSeconds(20);
    private static final int LIMIT = 2;
    /** Long enough that every one of a burst of submissions arrives while the first ones still run. */
    private static final Duration RENDER_DELAY = Duration.ofSeconds(3);

    /** How these tests speak to one vendor's sandbox. */
    interface VendorApi {
        /** Submits a small text-to-video job; the raw answer. */
        HttpResponse<String> submit(String prompt) throws Exception;

        /** The task id of an accepted submission's answer. */
        String taskId(JsonNode accepted);

        /** Polls until the task has finished (succeeded or failed). */
        void awaitFinished(String taskId) throws Exception;

        /** The kind Reelay's production error handling gives this vendor's refusal. */
        ProviderErrorKind reelayKind(int status, JsonNode refusal);
    }

    /** A vendor, its API and the exact concurrency refusal it answers. */
    record Vendor(String name, Function<Sandbox, VendorApi> api, RefusalCheck refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface RefusalCheck {
        void verify(JsonNode body);
    }

    static Stream<Vendor> vendors() {
        return Stream.of(
                new Vendor("unified", sandbox -> new BearerApi(sandbox, "/v1/videos/generations",
                        UnifiedClient::textToVideo, "/id", "/v1/tasks/", "/status"),
                        body -> assertErrorEnvelope(body, "rate_limit_error", List.of("code", "message", "type"))),
                new Vendor("kling", KlingApi::new, body -> {
                    assertThat(fieldNames(body)).containsExactly("code", "message", "request_id", "data");
                    assertThat(body.get("code").isInt()).isTrue();
                    assertThat(body.get("code").asInt()).isEqualTo(1303);
                    assertThat(body.get("message").asText()).contains("concurrency limit of " + LIMIT);
                    assertThat(body.get("request_id").asText()).isNotBlank();
                    assertThat(body.get("data").isNull()).isTrue();
                }),
                new Vendor("apimart", sandbox -> new BearerApi(sandbox, "/v1/videos/generations",
                        prompt -> JSON.createObjectNode().put("model", "kling-v3").put("prompt", prompt).put("duration", 3),
                        "/data/0/task_id", "/v1/tasks/", "/data/status"),
                        body -> assertErrorEnvelope(body, "rate_limit_error", List.of("code", "message", "type"))),
                new Vendor("gateway", sandbox -> new BearerApi(sandbox, "/v1/video/generations",
                        prompt -> JSON.createObjectNode().put("model", "kling-v3-std-silent").put("prompt", prompt).put("duration", 3),
                        "/id", "/v1/videos/", "/status"),
                        body -> {
                            assertErrorEnvelope(body, "requests", List.of("message", "type", "param", "code"));
                            assertThat(body.at("/error/param").isNull()).isTrue();
                        }));
    }

    private static void assertErrorEnvelope(JsonNode body, String type, List<String> fields) {
        assertThat(fieldNames(body)).containsExactly("error");
        JsonNode error = body.get("error");
        assertThat(fieldNames(error)).isEqualTo(fields);
        assertThat(error.get("code").asText()).isEqualTo("concurrency_limit_exceeded");
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("message").asText()).contains("concurrency limit of " + LIMIT);
    }

    private static List<String> fieldNames(JsonNode object) {
        return object.properties().stream().map(Map.Entry::getKey).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vendors")
    void aBurstOverTheLimitGetsTheVendorsOwnConcurrencyErrorAndAFinishedJobFreesItsSlot(Vendor vendor) throws Exception {
        try (Sandbox sandbox = start(vendor.name(), SandboxSettings.forTests().withTiming(RENDER_DELAY, 2).withMaxParallelTasks(LIMIT))) {
            VendorApi api = vendor.api().apply(sandbox);

            List<HttpResponse<String>> answers = all(LIMIT + 1, i -> api.submit("Burst " + i));

            List<HttpResponse<String>> accepted = answers.stream().filter(answer -> answer.statusCode() == 200).toList();
            List<HttpResponse<String>> refused = answers.stream().filter(answer -> answer.statusCode() != 200).toList();
            assertThat(accepted).hasSize(LIMIT);
            assertThat(refused).hasSize(1);
            assertThat(refused.get(0).statusCode()).as(refused.get(0).body()).isEqualTo(429);
            JsonNode refusal = JSON.readTree(refused.get(0).body());
            vendor.refusal().verify(refusal);
            assertThat(api.reelayKind(429, refusal)).isEqualTo(ProviderErrorKind.CONCURRENCY_LIMITED);
            assertThat(sandbox.createRequests()).isEqualTo(LIMIT + 1);
            assertThat(sandbox.taskIds()).hasSize(LIMIT);
            assertThat(sandbox.runningJobs()).isEqualTo(LIMIT);
            assertThat(sandbox.peakParallelJobs()).isEqualTo(LIMIT);

            api.awaitFinished(api.taskId(JSON.readTree(accepted.get(0).body())));
            HttpResponse<String> again = api.submit("After the first finished");

            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(sandbox.taskIds()).hasSize(LIMIT + 1);
            assertThat(sandbox.runningJobs()).isBetween(1, LIMIT);
            assertThat(sandbox.peakParallelJobs()).isEqualTo(LIMIT);
        }
    }

    @Test
    void aFailedOrCancelledJobFreesItsSlotAndQueriesTakeNone() throws Exception {
        try (Sandbox sandbox = start("unified", SandboxSettings.forTests().withTiming(Duration.ofMillis(500), 2).withMaxParallelTasks(1))) {
            UnifiedClient client = new UnifiedClient(sandbox);
            sandbox.faults().failAfterAcceptance(1, SandboxFaults.LateFailure.contentPolicy());

            String failing = client.accepted(UnifiedClient.textToVideo("Blocked later"));
            assertThat(client.create(UnifiedClient.textToVideo("Too soon")).statusCode()).isEqualTo(429);
            assertThat(client.awaitFinished(failing).get("status").asText()).isEqualTo("failed");
            assertThat(sandbox.runningJobs()).isZero();

            sandbox.faults().renderSlowly(1, COMPLETION_LIMIT);
            String slow = client.accepted(UnifiedClient.textToVideo("Slow"));
            assertThat(client.query(slow).statusCode()).isEqualTo(200);
            assertThat(client.create(UnifiedClient.textToVideo("Still too soon")).statusCode()).isEqualTo(429);
            HttpResponse<String> cancelled = HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/" + slow + "/cancel"))
                    .header("Authorization", "Bearer " + sandbox.credential("api_key"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);

            client.accepted(UnifiedClient.textToVideo("After the cancel"));
            assertThat(sandbox.peakParallelJobs()).isEqualTo(1);
        }
    }

    @Test
    void aSubmissionRefusedForItsImageGivesItsSlotBack() throws Exception {
        try (Sandbox sandbox = start("kling", SandboxSettings.forTests().withMaxParallelTasks(1))) {
            KlingClient client = new KlingClient(sandbox);
            String tinyPng = Base64.getEncoder().encodeToString(TestImages.png(TestImages.solid(Color.RED, 200, 200)));

            HttpResponse<String> badImage = client.create("image2video", KlingClient.textToVideo("Too small").put("image", tinyPng));

            assertThat(badImage.statusCode()).as(badImage.body()).isEqualTo(400);
            assertThat(KlingClient.JSON.readTree(badImage.body()).get("code").asInt()).isEqualTo(1201);
            assertThat(sandbox.runningJobs()).isZero();
            assertThat(sandbox.peakParallelJobs()).isZero();
            client.accepted("text2video", KlingClient.textToVideo("Fits"));
            assertThat(sandbox.peakParallelJobs()).isEqualTo(1);
        }
    }

    @Test
    void settingsAreUnlimitedByDefaultAndKeepTheirLimitThroughTheOtherWithers() {
        SandboxSettings unlimited = SandboxSettings.forTests();
        SandboxSettings limited = unlimited.withMaxParallelTasks(3);

        assertThat(unlimited.maxParallelTasks()).isEqualTo(SandboxSettings.UNLIMITED);
        assertThat(SandboxSettings.forUsers().maxParallelTasks()).isEqualTo(SandboxSettings.UNLIMITED);
        assertThat(new SandboxSettings("sk-x", Duration.ZERO, 1, 320, 12).maxParallelTasks()).isEqualTo(SandboxSettings.UNLIMITED);
        assertThat(limited.maxParallelTasks()).isEqualTo(3);
        assertThat(limited.withFreshApiKey().maxParallelTasks()).isEqualTo(3);
        assertThat(limited.withTiming(Duration.ofSeconds(2), 4).maxParallelTasks()).isEqualTo(3);
        assertThatThrownBy(() -> unlimited.withMaxParallelTasks(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxParallelTasks");
    }

    /** As the sandbox command and the local runtime start a vendor: its {@link Dialects#ALL} factory and {@link Sandbox#start}. */
    private static Sandbox start(String name, SandboxSettings settings) throws Exception {
        for (Function<SandboxSettings, Dialect> factory : Dialects.ALL) {
            Dialect dialect = factory.apply(settings);
            if (dialect.name().equals(name)) {
                return Sandbox.start(dialect, settings, false);
            }
        }
        throw new AssertionError("No dialect " + name);
    }

    interface Submission {
        HttpResponse<String> send(int index) throws Exception;
    }

    /** Sends {@code count} submissions at the same moment and waits for every answer. */
    private static List<HttpResponse<String>> all(int count, Submission submission) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<HttpResponse<String>> send = () -> {
                    go.await();
                    return submission.send(index);
                };
                answers.add(threads.submit(send));
            }
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                responses.add(answer.get());
            }
            return responses;
        } finally {
            threads.shutdownNow();
        }
    }

    /** The unified aggregator, APIMart and the gateway: a bearer API key and {@code {"error":{...}}} refusals. */
    private record BearerApi(Sandbox sandbox, String createPath, Function<String, ObjectNode> body, String taskIdPointer,
                             String queryPath, String statusPointer) implements VendorApi {
        @Override
        public HttpResponse<String> submit(String prompt) throws Exception {
            return send(request(createPath).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.apply(prompt).toString())));
        }

        @Override
        public String taskId(JsonNode accepted) {
            return accepted.at(taskIdPointer).asText();
        }

        @Override
        public void awaitFinished(String taskId) throws Exception {
            long deadline = System.nanoTime() + COMPLETION_LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> answer = send(request(queryPath + taskId));
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                if (List.of("completed", "failed").contains(JSON.readTree(answer.body()).at(statusPointer).asText())) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("Task " + taskId + " did not finish within " + COMPLETION_LIMIT);
        }

        @Override
        public ProviderErrorKind reelayKind(int status, JsonNode refusal) {
            return ProviderErrors.fromHttp(sandbox.dialect().name(), status, refusal.at("/error/code").asText(),
                    refusal.at("/error/message").asText()).kind();
        }

        private HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(sandbox.baseUrl().resolve(path)).header("Authorization", "Bearer " + sandbox.credential("api_key"));
        }

        private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Kling: a JWT per request and the {@code {"code","message","request_id","data"}} envelope. */
    private record KlingApi(KlingClient client) implements VendorApi {
        KlingApi(Sandbox sandbox) {
            this(new KlingClient(sandbox));
        }

        @Override
        public HttpResponse<String> submit(String prompt) throws Exception {
            return client.create("text2video", KlingClient.textToVideo(prompt));
        }

        @Override
        public String taskId(JsonNode accepted) {
            return accepted.at("/data/task_id").asText();
        }

        @Override
        public void awaitFinished(String taskId) throws Exception {
            client.awaitFinished("text2video", taskId);
        }

        @Override
        public ProviderErrorKind reelayKind(int status, JsonNode refusal) {
            return KlingErrors.of(status, refusal.get("code").asText(), refusal.get("message").asText(),
                    refusal.get("request_id").asText()).kind();
        }
    }
}
