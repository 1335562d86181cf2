package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.adapter.sfn.StepFunctionsWorkflow;
import dev.reelay.domain.webhook.StandardWebhooksVerifier;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/tasks} and {@code POST /v1/tasks/{id}/cancel} end to end on the local stack: the HTTP API,
 * DynamoDB Local's owner index, the real ASL under the Step Functions engine (stopped executions, the
 * webhook-only run), and the vendor sandboxes (one that cancels, one that cannot).
 * <p>
 * Owner isolation needs a second owner, which only API keys will make over HTTP: it is tested at the handler
 * level (SampleEventsTest) and in the use cases and the store (CancelTaskTest, ListTasksTest, DynamoDbTaskStoreTest).
 */
@EndToEnd
class TasksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LIMIT = Duration.ofSeconds(90);
    /** Long enough to cancel mid-render; a cancelled render stops at once, so tests do not wait for it. */
    private static final Duration SLOW_RENDER = Duration.ofSeconds(12);

    private static LocalRuntime runtime;
    private static HttpServer receiver;
    private static final List<Map.Entry<Map<String, String>, byte[]>> deliveries = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new HashMap<>();
            for (String name : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
                headers.put(name, exchange.getRequestHeaders().getFirst(name));
            }
            deliveries.add(Map.entry(headers, body));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void theListPagesThroughRealTasksNewestFirstAndFiltersByStatus() throws Exception {
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            submitted.add(0, submit(Map.of("provider", "gateway", "prompt", "list " + i)));
        }
        for (String id : submitted.subList(0, 2)) {
            assertThat(awaitTask(id, t -> t.path("status").asText().equals("completed")).path("status").asText()).isEqualTo("completed");
        }

        List<JsonNode> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = list("limit=2" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), 200);
            assertThat(page.path("object").asText()).isEqualTo("list");
            assertThat(page.path("data").size()).isBetween(1, 2);
            page.path("data").forEach(paged::add);
            cursor = page.path("has_more").asBoolean() ? page.path("next_cursor").asText() : null;
            assertThat(page.path("next_cursor").isNull()).isEqualTo(cursor == null);
            pages++;
        } while (cursor != null && pages < 100);
        List<String> pagedIds = paged.stream().map(t -> t.path("id").asText()).toList();
        JsonNode all = list("limit=100", 200);
        List<String> allIds = new ArrayList<>();
        all.path("data").forEach(t -> allIds.add(t.path("id").asText()));

        assertThat(pages).isGreaterThanOrEqualTo(3);
        assertThat(new LinkedHashSet<>(pagedIds)).as("no duplicates").hasSameSizeAs(pagedIds);
        assertThat(pagedIds).as("no gaps, same order").isEqualTo(allIds);
        assertThat(allIds).containsSubsequence(submitted);
        List<Long> created = paged.stream().map(t -> t.path("created").asLong()).toList();
        assertThat(created).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(all.path("has_more").asBoolean()).isFalse();

        List<String> completed = new ArrayList<>();
        cursor = null;
        do {
            JsonNode page = list("status=completed&limit=1" + (cursor == null ? "" : "&cursor=" + cursor), 200);
            page.path("data").forEach(t -> {
                assertThat(t.path("status").asText()).isEqualTo("completed");
                assertThat(t.path("result").path("url").asText()).startsWith("http");
                completed.add(t.path("id").asText());
            });
            cursor = page.path("has_more").asBoolean() ? page.path("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(completed).containsSubsequence(submitted.subList(0, 2));
        assertThat(completed).isSubsetOf(allIds);

        assertThat(list("limit=0", 400).path("error").path("code").asText()).isEqualTo("invalid_limit");
        assertThat(list("limit=0", 400).path("error").path("param").asText()).isEqualTo("limit");
        assertThat(list("status=done", 400).path("error").path("code").asText()).isEqualTo("invalid_status");
        assertThat(list("cursor=bm90LWEtY3Vyc29y", 400).path("error").path("code").asText()).isEqualTo("invalid_cursor");
    }

    @ParameterizedTest(name = "{0} stops the job: cancelled free, execution aborted, nothing billed")
    @ValueSource(strings = {"unified", "apimart"})
    void aTaskCancelledDuringRenderAtAVendorThatCancelsIsFreeAndStopsEverything(String provider) throws Exception {
        runtime.sandbox(provider).faults().renderSlowly(1, SLOW_RENDER);
        String taskId = submit(Map.of("provider", provider));
        awaitTask(taskId, t -> t.path("status").asText().equals("processing"));
        String providerTaskId = item(taskId).get("providerTaskId").s();
        // The unified aggregator calls back at the end, so Reelay sees its progress only at the vendor; APIMart is polled.
        awaitVendorProgress(provider, providerTaskId);
        if (provider.equals("apimart")) {
            awaitTask(taskId, t -> t.path("progress").asInt() > 0);
        }

        HttpResponse<String> cancelled = cancel(taskId);

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        JsonNode task = JSON.readTree(cancelled.body());
        assertThat(task.path("status").asText()).isEqualTo("cancelled");
        assertThat(task.path("task_info").path("can_cancel").asBoolean()).isFalse();
        assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
        assertThat(events(task)).endsWith("cancel_requested", "cancelled");
        assertThat(vendorStatus(provider, providerTaskId)).isEqualTo("cancelled");
        assertThat(execution(taskId)).isEqualTo(ExecutionStatus.ABORTED);
        assertThat(runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.billingKey(taskId))).item()).isNullOrEmpty();

        Thread.sleep(2500); // the vendor's callback and any step in flight come and go: nothing changes
        JsonNode later = get(taskId);
        assertThat(later.path("status").asText()).isEqualTo("cancelled");
        assertThat(later.path("timeline")).isEqualTo(task.path("timeline"));

        HttpResponse<String> again = cancel(taskId);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body())).isEqualTo(later);
    }

    @Test
    void aTaskCancelledAtAVendorThatCannotStopItIsChargedTheQuoteAsBilledOnce() throws Exception {
        runtime.sandbox("kling").faults().renderSlowly(1, SLOW_RENDER);
        String taskId = submit(Map.of("provider", "kling"));
        awaitTask(taskId, t -> t.path("status").asText().equals("processing"));
        String usageMonth = "MONTH#" + java.time.format.DateTimeFormatter.ofPattern("yyyy-MM").withZone(java.time.ZoneOffset.UTC).format(Instant.now());
        long costBefore = usageCostMicros(usageMonth);

        HttpResponse<String> cancelled = cancel(taskId);

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        JsonNode task = JSON.readTree(cancelled.body());
        assertThat(task.path("status").asText()).isEqualTo("cancelled");
        assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.252");
        assertThat(task.path("timeline").get(task.path("timeline").size() - 1).path("detail").asText())
                .contains("kling could not stop the job");
        Map<String, AttributeValue> billing = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.billingKey(taskId))).item();
        assertThat(billing.get("outcome").s()).isEqualTo("cancelled");
        assertThat(billing.get("costMicros").n()).isEqualTo("252000");
        assertThat(usageCostMicros(usageMonth) - costBefore).isEqualTo(252_000);
        assertThat(execution(taskId)).isEqualTo(ExecutionStatus.ABORTED);

        assertThat(cancel(taskId).statusCode()).isEqualTo(200);
        assertThat(usageCostMicros(usageMonth) - costBefore).as("charged once").isEqualTo(252_000);
    }

    @Test
    void aCompletedTaskIsNotCancellableAndAnUnknownOneIsNotFound() throws Exception {
        String taskId = submit(Map.of("provider", "gateway"));
        awaitTask(taskId, t -> t.path("status").asText().equals("completed"));

        HttpResponse<String> refused = cancel(taskId);

        assertThat(refused.statusCode()).isEqualTo(409);
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("task_not_cancellable");
        assertThat(error.path("type").asText()).isEqualTo("conflict_error");
        assertThat(get(taskId).path("status").asText()).isEqualTo("completed");
        HttpResponse<String> unknown = cancel("task-1795398998-000000000000");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").path("code").asText()).isEqualTo("task_not_found");
    }

    @Test
    void aCancelledTaskWithACallbackUrlGetsOneSignedWebhookOfItsCancellation() throws Exception {
        deliveries.clear();
        runtime.sandbox("unified").faults().renderSlowly(1, SLOW_RENDER);
        String taskId = submit(Map.of("provider", "unified",
                "callback_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks"));
        awaitTask(taskId, t -> t.path("status").asText().equals("processing"));

        assertThat(cancel(taskId).statusCode()).isEqualTo(200);
        JsonNode task = awaitTask(taskId, t -> events(t).contains("webhook_delivered") || events(t).contains("webhook_gave_up"));

        assertThat(events(task)).endsWith("cancelled", "webhook_delivered");
        Thread.sleep(1500); // a second delivery, if any, would come within the retry schedule's first step
        assertThat(deliveries).hasSize(1);
        Map<String, String> headers = deliveries.get(0).getKey();
        byte[] body = deliveries.get(0).getValue();
        assertThat(headers.get("webhook-id")).isEqualTo("msg_" + taskId);
        assertThat(StandardWebhooksVerifier.verifies(runtime.webhookSecret().secret(), headers, body, Instant.now().getEpochSecond()))
                .as("signature").isTrue();
        JsonNode delivered = JSON.readTree(body);
        assertThat(delivered.path("id").asText()).isEqualTo(taskId);
        assertThat(delivered.path("status").asText()).isEqualTo("cancelled");
        assertThat(delivered.path("usage").path("charged").asBoolean()).isFalse();
        assertThat(execution(taskId)).isEqualTo(ExecutionStatus.ABORTED);
        assertThat(execution(taskId + StepFunctionsWorkflow.CANCELLED_SUFFIX)).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    // ------------------------------------------------------------------ helpers

    private static String submit(Map<String, String> fields) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-text-to-video", "prompt", "a lighthouse at dusk", "duration", 3));
        body.putAll(fields);
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode task = JSON.readTree(answer.body());
        assertThat(task.path("task_info").path("can_cancel").asBoolean()).as("no vendor has it yet").isTrue();
        return task.path("id").asText();
    }

    private static HttpResponse<String> cancel(String taskId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId + "/cancel")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode list(String query, int expectedStatus) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks?" + query)).header("Authorization", "Bearer " + runtime.defaultApiKey()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(query + ": " + answer.body()).isEqualTo(expectedStatus);
        return JSON.readTree(answer.body());
    }

    private static JsonNode get(String taskId) throws Exception {
        return ApiTestClient.of(runtime).get(taskId);
    }

    private static JsonNode awaitTask(String taskId, Predicate<JsonNode> condition) throws Exception {
        return ApiTestClient.of(runtime).await(taskId, condition, LIMIT);
    }

    private static Map<String, AttributeValue> item(String taskId) {
        return runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE).key(TasksTableSchema.taskKey(taskId))).item();
    }

    private static long usageCostMicros(String month) {
        Map<String, AttributeValue> usage = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(Map.of("pk", AttributeValue.fromS("USAGE#default"), "sk", AttributeValue.fromS(month)))).item();
        return usage == null || !usage.containsKey("costMicros") ? 0 : Long.parseLong(usage.get("costMicros").n());
    }

    private static ExecutionStatus execution(String executionName) {
        String arn = StepFunctionsWorkflow.executionArn(runtime.config().stateMachineArn().orElseThrow(), executionName);
        return runtime.sfnClient().describeExecution(d -> d.executionArn(arn)).status();
    }

    /** The task as the vendor's own query answers it (the unified object, or APIMart's under {@code data}). */
    private static JsonNode vendorTask(String provider, String providerTaskId) throws Exception {
        var sandbox = runtime.sandbox(provider);
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(sandbox.baseUrl().resolve("/v1/tasks/" + providerTaskId))
                .header("Authorization", "Bearer " + sandbox.credential("api_key")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        return body.has("data") ? body.path("data") : body;
    }

    private static String vendorStatus(String provider, String providerTaskId) throws Exception {
        return vendorTask(provider, providerTaskId).path("status").asText();
    }

    private static void awaitVendorProgress(String provider, String providerTaskId) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (vendorTask(provider, providerTaskId).path("progress").asInt() == 0) {
            assertThat(System.nanoTime()).as("vendor progress of " + providerTaskId).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }
}
