package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * API keys and budgets end to end on the local stack: the HTTP API's edges (API Gateway's own 401
 * without a header, 401 {@code invalid_api_key} in the error envelope for a bad key, the
 * authorizer's cache, 413 {@code request_too_large} over 10 MB), tasks isolated per key, and monthly budgets reserved at submission (402 before any
 * vendor is called), settled to the charge on completion and released on failure.
 */
@EndToEnd
class ApiKeysEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration CACHE_TTL = Duration.ofSeconds(2);
    private static final List<String> VENDORS = List.of("unified", "kling", "apimart", "gateway");
    private static LocalRuntime runtime;

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests().withAuthorizerCacheTtl(CACHE_TTL));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    /** As API Gateway answers it, before the authorizer (the identity source is missing): only a message. */
    @Test
    void withoutAnAuthorizationHeaderTheApiAnswers401() throws Exception {
        for (HttpRequest request : List.of(
                HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/task-0-none")).GET().build(),
                HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(textToVideo(3))).build(),
                HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/task-0-none")).header("Authorization", "").GET().build())) {
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(request.toString()).isEqualTo(401);
            assertThat(JSON.readTree(answer.body()).path("message").asText()).isEqualTo("Unauthorized");
        }
    }

    @Test
    void anUnknownOrMalformedKeyIs401InvalidApiKey() throws Exception {
        for (String header : List.of("Bearer " + ApiKeySecrets.generate(new SecureRandom()), "Bearer not-a-key",
                "Basic dXNlcjpwYXNz", runtime.defaultApiKey())) {
            assertInvalidApiKey(get("/v1/tasks/task-0-none", header), header);
        }
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", "Bearer not-a-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(textToVideo(3))).build(), HttpResponse.BodyHandlers.ofString());
        assertInvalidApiKey(submitted, "a submission");
        // The vendors' callbacks are not behind the authorizer: their secret is in the path.
        HttpResponse<String> callback = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/callbacks/unified/nothing"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(callback.statusCode()).isEqualTo(404);
    }

    @Test
    void aRevokedKeyIsRefusedOnceTheAuthorizersCacheExpires() throws Exception {
        String key = runtime.apiKeys().create("revoked-later", null).secret();
        long warmed = System.nanoTime();
        assertThat(get("/v1/tasks/task-0-none", bearer(key)).statusCode()).as("authorized, no such task").isEqualTo(404);

        runtime.apiKeys().revoke("revoked-later");
        HttpResponse<String> cached = get("/v1/tasks/task-0-none", bearer(key));
        if (System.nanoTime() - warmed < CACHE_TTL.toNanos()) {
            // As with API Gateway's ReauthorizeEvery: the cached decision stands until it expires.
            assertThat(cached.statusCode()).isEqualTo(404);
        }
        Thread.sleep(Math.max(0, CACHE_TTL.toMillis() + 200 - (System.nanoTime() - warmed) / 1_000_000));

        assertInvalidApiKey(get("/v1/tasks/task-0-none", bearer(key)), "revoked, once the cache expired");
        // A revoked key never seen before is refused at once.
        String other = runtime.apiKeys().create("revoked-first", null).secret();
        runtime.apiKeys().revoke("revoked-first");
        assertInvalidApiKey(get("/v1/tasks/task-0-none", bearer(other)), "revoked before its first use");
    }

    private static void assertInvalidApiKey(HttpResponse<String> answer, String what) throws Exception {
        assertThat(answer.statusCode()).as(what).isEqualTo(401);
        assertThat(answer.headers().firstValue("Content-Type")).as(what).contains("application/json");
        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertThat(error.path("code").asText()).as(what).isEqualTo("invalid_api_key");
        assertThat(error.path("type").asText()).as(what).isEqualTo("authentication_error");
        assertThat(error.path("message").asText()).as(what).isNotBlank();
    }

    /** API Gateway's payload limit, 10 MB: a 20 MB body is refused whole, by its length or while it streams in. */
    @Test
    void aBodyOver10MbIs413RequestTooLarge() throws Exception {
        byte[] twentyMegabytes = new byte[20 * 1024 * 1024];
        java.util.Arrays.fill(twentyMegabytes, (byte) ' ');
        for (HttpRequest.BodyPublisher body : List.of(HttpRequest.BodyPublishers.ofByteArray(twentyMegabytes),
                // No length: sent chunked, refused once more than the limit has arrived.
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(twentyMegabytes)))) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                    .header("Authorization", bearer(runtime.defaultApiKey())).header("Content-Type", "application/json")
                    .POST(body).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as("length %s", body.contentLength()).isEqualTo(413);
            JsonNode error = JSON.readTree(answer.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("request_too_large");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        }
        // Exactly the limit is let through to the function (whose answer is its own: not JSON here).
        byte[] limit = new byte[dev.reelay.local.api.HttpApiServer.MAX_BODY_BYTES];
        java.util.Arrays.fill(limit, (byte) ' ');
        limit[0] = '[';
        HttpResponse<String> atTheLimit = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", bearer(runtime.defaultApiKey())).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(limit)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(atTheLimit.statusCode()).isEqualTo(400);
    }

    @Test
    void twoKeysWithIsolatedTasks() throws Exception {
        String a = runtime.apiKeys().create("team-a", null).secret();
        String b = runtime.apiKeys().create("team-b", null).secret();

        String taskA = id(submit(a, textToVideo(3), "shared-order"));
        String taskB = id(submit(b, textToVideo(3), "shared-order"));

        assertThat(taskB).as("the same idempotency key under another key is another task").isNotEqualTo(taskA);
        assertThat(get("/v1/tasks/" + taskA, bearer(a)).statusCode()).isEqualTo(200);
        assertThat(get("/v1/tasks/" + taskB, bearer(b)).statusCode()).isEqualTo(200);
        for (var crossing : List.of(Map.entry(taskA, b), Map.entry(taskB, a), Map.entry(taskA, runtime.defaultApiKey()))) {
            HttpResponse<String> hidden = get("/v1/tasks/" + crossing.getKey(), bearer(crossing.getValue()));
            assertThat(hidden.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(hidden.body()).path("error").path("code").asText()).isEqualTo("task_not_found");
        }
        JsonNode endedA = awaitEnd(taskA, a);
        assertThat(endedA.path("status").asText()).isEqualTo("completed");
        assertThat(awaitEnd(taskB, b).path("status").asText()).isEqualTo("completed");
        assertThat(get("/v1/tasks/" + taskA, bearer(b)).statusCode()).as("still hidden once completed").isEqualTo(404);
        // Each key's usage is its own.
        assertThat(committed("team-a")).isEqualTo(micros(endedA.path("usage").path("cost_usd").decimalValue()));
        assertThat(usage("team-a", "tasks")).isEqualTo(1);
        assertThat(usage("team-b", "tasks")).isEqualTo(1);
    }

    @Test
    void aTinyBudgetGets402BeforeAnyVendorIsCalled() throws Exception {
        String key = runtime.apiKeys().create("tiny-budget", new BigDecimal("0.10")).secret();
        int vendorCallsBefore = vendorCalls();
        int vendorTasksBefore = tasksAtVendors();
        int tasksBefore = taskItems();

        HttpResponse<String> refused = submit(key, textToVideo(3), null);

        assertThat(refused.statusCode()).isEqualTo(402);
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("insufficient_quota");
        assertThat(error.path("type").asText()).isEqualTo("insufficient_quota");
        // 3 s at 720p: the dearest enabled vendor (the gateway) asks $0.27.
        assertThat(error.path("message").asText()).contains("$0.27").contains("only $0.10");
        assertThat(vendorCalls()).isEqualTo(vendorCallsBefore);
        assertThat(tasksAtVendors()).isEqualTo(vendorTasksBefore);
        assertThat(taskItems()).isEqualTo(tasksBefore);
        assertThat(committed("tiny-budget")).isZero();
    }

    @Test
    void aCompletedTaskCommitsExactlyItsChargeAndTheRestOfTheBudgetStaysUsable() throws Exception {
        // $0.30 holds one reservation of $0.27 (the dearest vendor), not two.
        String key = runtime.apiKeys().create("one-at-a-time", new BigDecimal("0.30")).secret();

        String taskId = id(submit(key, textToVideo(3), null));
        assertThat(committed("one-at-a-time")).isEqualTo(270_000);
        assertThat(submit(key, textToVideo(3), null).statusCode()).as("a second reservation would overspend").isEqualTo(402);

        JsonNode task = awaitEnd(taskId, key);
        assertThat(task.path("status").asText()).isEqualTo("completed");
        long charged = micros(task.path("usage").path("cost_usd").decimalValue());
        assertThat(charged).isEqualTo(225_000); // the cheapest vendor served it
        assertThat(committed("one-at-a-time")).isEqualTo(charged);
        assertThat(usage("one-at-a-time", "costMicros")).isEqualTo(charged);
    }

    @Test
    void aFailedTaskReleasesItsReservation() throws Exception {
        String key = runtime.apiKeys().create("failing", new BigDecimal("1.00")).secret();
        runtime.sandbox("unified").faults().failAfterAcceptance(1, SandboxFaults.LateFailure.contentPolicy());

        String taskId = id(submit(key, textToVideo(3).replace("}", ",\"provider\":\"unified\"}"), null));
        assertThat(committed("failing")).isEqualTo(225_000);

        JsonNode task = awaitEnd(taskId, key);
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("failed");
        assertThat(committed("failing")).isZero();
        assertThat(usage("failing", "costMicros")).isZero();
    }

    @Test
    void concurrentSubmitsAgainstASmallBudgetNeverOverspend() throws Exception {
        // $1.00 at $0.225 a task (pinned to the unified vendor): four fit, the fifth would overspend.
        String key = runtime.apiKeys().create("racing", new BigDecimal("1.00")).secret();
        String body = textToVideo(3).replace("}", ",\"provider\":\"unified\"}");
        int callsBefore = runtime.sandbox("unified").createRequests();
        int threads = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            answers.add(pool.submit(() -> {
                go.await();
                return submit(key, body, null);
            }));
        }
        go.countDown();
        List<String> accepted = new ArrayList<>();
        int refused = 0;
        for (Future<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get();
            if (response.statusCode() == 200) {
                accepted.add(id(response));
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
                refused++;
            }
        }
        pool.shutdown();

        assertThat(accepted).hasSize(4);
        assertThat(refused).isEqualTo(6);
        assertThat(committed("racing")).isEqualTo(900_000).isLessThanOrEqualTo(1_000_000);
        long charged = 0;
        for (String taskId : accepted) {
            JsonNode task = awaitEnd(taskId, key);
            assertThat(task.path("status").asText()).isEqualTo("completed");
            charged += micros(task.path("usage").path("cost_usd").decimalValue());
        }
        assertThat(charged).isEqualTo(900_000);
        assertThat(committed("racing")).isEqualTo(charged);
        assertThat(runtime.sandbox("unified").createRequests() - callsBefore).isEqualTo(4);
    }

    @Test
    void theInMemoryStackHasADefaultKeyThatWorks() throws Exception {
        assertThat(runtime.defaultApiKey()).matches("rly_[A-Za-z0-9_-]{43}");
        assertThat(runtime.apiKeys().findByName("default")).hasValueSatisfying(k -> assertThat(k.active()).isTrue());
        assertThat(get("/v1/tasks/task-0-none", bearer(runtime.defaultApiKey())).statusCode()).isEqualTo(404);
    }

    private static String textToVideo(int seconds) throws Exception {
        return JSON.writeValueAsString(Map.of("model", "kling-v3-text-to-video", "prompt", "a lighthouse at dusk", "duration", seconds));
    }

    private static String bearer(String key) {
        return "Bearer " + key;
    }

    private static HttpResponse<String> submit(String key, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", bearer(key)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String id(HttpResponse<String> accepted) throws Exception {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        return JSON.readTree(accepted.body()).path("id").asText();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve(path)).header("Authorization", authorization).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitEnd(String taskId, String key) throws Exception {
        for (int i = 0; i < 360; i++) {
            HttpResponse<String> answer = get("/v1/tasks/" + taskId, bearer(key));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(answer.body());
            if (task.path("status").asText().matches("completed|failed")) {
                return task;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Task " + taskId + " did not end");
    }

    private static int vendorCalls() {
        return VENDORS.stream().mapToInt(v -> runtime.sandbox(v).createRequests()).sum();
    }

    private static int tasksAtVendors() {
        return VENDORS.stream().mapToInt(v -> runtime.sandbox(v).taskIds().size()).sum();
    }

    private static int taskItems() {
        return runtime.dynamo().client().scan(s -> s.tableName(LocalRuntime.TASKS_TABLE).filterExpression("sk = :task")
                .expressionAttributeValues(Map.of(":task", AttributeValue.fromS("TASK")))).count();
    }

    private static long committed(String owner) {
        return usage(owner, "committedMicros");
    }

    private static long usage(String owner, String counter) {
        Map<String, AttributeValue> item = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.usageKey(owner, Instant.now())).consistentRead(true)).item();
        return item == null || !item.containsKey(counter) ? 0 : Long.parseLong(item.get(counter).n());
    }

    private static long micros(BigDecimal usd) {
        return usd.movePointRight(6).longValueExact();
    }
}
