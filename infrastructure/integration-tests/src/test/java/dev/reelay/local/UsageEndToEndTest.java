package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/usage} and {@code ./reelay keys usage} end to end on the local stack (DynamoDB Local's owner
 * index, the real workflow, the vendor sandboxes): one key's tasks end completed, failed and cancelled (once
 * charged by a vendor that cannot stop, once free), another key's task must not count, and the answer must be
 * the sum over the key's tasks exactly as {@code GET /v1/tasks/{id}} reports each of them, with the budget's
 * remaining equal to the budget less what was spent. While a task runs, its hold shows as reserved.
 */
@EndToEnd
class UsageEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LIMIT = Duration.ofSeconds(90);
    /** Long enough to cancel mid-render; a cancelled render stops at once. */
    private static final Duration SLOW_RENDER = Duration.ofSeconds(20);
    private static final BigDecimal BUDGET = new BigDecimal("20.00");
    private static final String KEY = "usage-a";

    @TempDir
    static Path work;
    private static LocalRuntime runtime;
    private static ApiTestClient client;
    private static ApiTestClient other;
    /** The key's tasks, each as GET /v1/tasks/{id} reports it once it ended. */
    private static final List<JsonNode> ended = new ArrayList<>();
    private static JsonNode otherKeysTask;
    /** The usage read while one of the key's tasks was still rendering, and that task's hold. */
    private static JsonNode whileRunning;
    private static long heldWhileRunning;
    private static String month;

    @BeforeAll
    static void runTasksThatEndEveryWay() throws Exception {
        // On disk (the state directory), so that ./reelay keys usage can read the same tables from another process.
        runtime = TestBackend.start(LocalRuntime.Settings.forTests().withStateDir(work.resolve(".reelay")));
        client = new ApiTestClient(runtime.apiBaseUrl(), runtime.apiKeys().create(KEY, BUDGET).secret());
        other = new ApiTestClient(runtime.apiBaseUrl(), runtime.apiKeys().create("usage-b", null).secret());

        // Cancelled mid-render: at Kling, which cannot stop the job (charged its quote), and at the unified vendor (free).
        runtime.sandbox("kling").faults().renderSlowly(1, SLOW_RENDER);
        runtime.sandbox("unified").faults().renderSlowly(1, SLOW_RENDER);
        String cancelledAtKling = client.submit(body("kling", "1080p", 5));
        String cancelledAtUnified = client.submit(body("unified", "720p", 4));
        client.await(cancelledAtKling, UsageEndToEndTest::processing, LIMIT);
        client.await(cancelledAtUnified, UsageEndToEndTest::processing, LIMIT);
        for (String id : List.of(cancelledAtKling, cancelledAtUnified)) {
            HttpResponse<String> cancelled = client.cancel(id);
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        }

        // Failed late at APIMart (never charged); completed at the gateway and the unified vendor; another key's task.
        runtime.sandbox("apimart").faults().failAfterAcceptance(1, SandboxFaults.LateFailure.contentPolicy());
        List<String> mine = new ArrayList<>(List.of(cancelledAtKling, cancelledAtUnified,
                client.submit(body("apimart", "720p", 3)), client.submit(body("gateway", "720p", 3)),
                client.submit(body("unified", "1080p", 5))));
        String othersId = other.submit(body("gateway", "1080p", 5));
        for (String id : mine) {
            ended.add(client.awaitEnd(id, LIMIT));
        }
        otherKeysTask = other.awaitEnd(othersId, LIMIT);
        assertThat(ended).extracting(task -> task.path("status").asText())
                .containsExactly("cancelled", "cancelled", "failed", "completed", "completed");
        month = YearMonth.from(Instant.ofEpochSecond(ended.get(0).path("created").asLong()).atOffset(ZoneOffset.UTC)).toString();

        // One more, read while it renders, then cancelled free.
        runtime.sandbox("unified").faults().renderSlowly(1, SLOW_RENDER);
        String running = client.submit(body("unified", "720p", 3));
        client.await(running, UsageEndToEndTest::processing, LIMIT);
        whileRunning = usage(client, "month=" + month, 200);
        heldWhileRunning = Long.parseLong(item(running).get("reservedMicros").n());
        assertThat(client.cancel(running).statusCode()).isEqualTo(200);
        ended.add(client.awaitEnd(running, LIMIT));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void theUsageIsTheSumOverTheKeysTasksAsEachReportsItselfAndTheBudgetIsWhatIsLeft() throws Exception {
        JsonNode usage = usage(client, "month=" + month, 200);

        assertThat(usage.path("object").asText()).isEqualTo("usage");
        assertThat(usage.path("month").asText()).isEqualTo(month);
        // The sums, from the tasks as GET /v1/tasks/{id} reports them now.
        List<JsonNode> tasks = new ArrayList<>();
        for (JsonNode task : ended) {
            tasks.add(client.get(task.path("id").asText()));
        }
        Map<String, Integer> byStatus = new TreeMap<>(Map.of("pending", 0, "processing", 0, "completed", 0, "failed", 0, "cancelled", 0));
        Map<String, Tally> byProvider = new TreeMap<>();
        Map<String, Tally> byQuality = new TreeMap<>();
        Tally total = new Tally();
        for (JsonNode task : tasks) {
            byStatus.merge(task.path("status").asText(), 1, Integer::sum);
            total.add(task);
            byProvider.computeIfAbsent(task.path("task_info").path("provider").asText("none"), p -> new Tally()).add(task);
            byQuality.computeIfAbsent(task.path("task_info").path("quality").asText(), q -> new Tally()).add(task);
        }
        assertThat(usage.path("tasks").path("total").asInt()).as("the other key's task is not counted").isEqualTo(tasks.size()).isEqualTo(6);
        Map<String, Integer> answeredByStatus = new TreeMap<>();
        usage.path("tasks").path("by_status").fields().forEachRemaining(e -> answeredByStatus.put(e.getKey(), e.getValue().asInt()));
        assertThat(answeredByStatus).isEqualTo(byStatus);
        total.assertAnswered(usage, "the month");
        assertThat(total.cost).as("two completed, and the cancellation Kling billed").isPositive();
        assertThat(fieldNames(usage.path("by_provider"))).isEqualTo(byProvider.keySet());
        byProvider.forEach((provider, tally) -> tally.assertAnswered(usage.path("by_provider").path(provider), provider));
        assertThat(fieldNames(usage.path("by_quality"))).isEqualTo(byQuality.keySet());
        byQuality.forEach((quality, tally) -> tally.assertAnswered(usage.path("by_quality").path(quality), quality));

        JsonNode budget = usage.path("budget");
        assertThat(budget.path("monthly_usd").decimalValue()).isEqualByComparingTo(BUDGET);
        assertThat(budget.path("spent_usd").decimalValue()).isEqualByComparingTo(total.cost);
        assertThat(budget.path("reserved_usd").decimalValue()).as("nothing runs").isZero();
        assertThat(budget.path("committed_usd").decimalValue()).isEqualByComparingTo(total.cost)
                .isEqualByComparingTo(BigDecimal.valueOf(committedMicros(KEY, month), 6));
        assertThat(budget.path("remaining_usd").decimalValue()).isEqualByComparingTo(BUDGET.subtract(total.cost));

        // The default month is this month (UTC): the same answer, unless the month turned meanwhile.
        if (YearMonth.now(ZoneOffset.UTC).toString().equals(month)) {
            assertThat(usage(client, "", 200)).isEqualTo(usage);
        }
        // The other key's usage is its own task only.
        JsonNode others = usage(other, "month=" + month, 200);
        assertThat(others.path("tasks").path("total").asInt()).isEqualTo(1);
        assertThat(others.path("cost_usd").decimalValue()).isPositive()
                .isEqualByComparingTo(otherKeysTask.path("usage").path("cost_usd").decimalValue());
        assertThat(others.path("budget").path("monthly_usd").isNull()).isTrue();
        assertThat(others.path("budget").path("remaining_usd").isNull()).isTrue();
        // Another month: nothing, and the whole budget left.
        JsonNode before = usage(client, "month=" + YearMonth.parse(month).minusMonths(1), 200);
        assertThat(before.path("tasks").path("total").asInt()).isZero();
        assertThat(before.path("cost_usd").decimalValue()).isZero();
        assertThat(before.path("budget").path("remaining_usd").decimalValue()).isEqualByComparingTo(BUDGET);
    }

    @Test
    void whileATaskRunsItsHoldIsReservedAndTheRemainingIsTheBudgetLessWhatIsCommitted() {
        JsonNode tasks = whileRunning.path("tasks");
        assertThat(tasks.path("by_status").path("processing").asInt()).isEqualTo(1);
        assertThat(tasks.path("total").asInt()).isEqualTo(6);
        JsonNode budget = whileRunning.path("budget");
        BigDecimal held = BigDecimal.valueOf(heldWhileRunning, 6);
        BigDecimal spentBefore = ended.subList(0, 5).stream().map(t -> t.path("usage").path("cost_usd").decimalValue())
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(held).isPositive();
        assertThat(budget.path("reserved_usd").decimalValue()).isEqualByComparingTo(held);
        assertThat(budget.path("spent_usd").decimalValue()).isEqualByComparingTo(spentBefore)
                .isEqualByComparingTo(whileRunning.path("cost_usd").decimalValue());
        assertThat(budget.path("committed_usd").decimalValue()).isEqualByComparingTo(spentBefore.add(held));
        assertThat(budget.path("remaining_usd").decimalValue()).isEqualByComparingTo(BUDGET.subtract(spentBefore).subtract(held));
    }

    @Test
    void aMonthThatIsNotYyyyMmIsRefusedWithInvalidMonth() throws Exception {
        for (String refused : List.of("month=2026-13", "month=2026-1", "month=december", "month=2026-12-01", "month=")) {
            JsonNode error = usage(client, refused, 400).path("error");
            assertThat(error.path("code").asText()).as(refused).isEqualTo("invalid_month");
            assertThat(error.path("param").asText()).as(refused).isEqualTo("month");
            assertThat(error.path("type").asText()).as(refused).isEqualTo("invalid_request_error");
        }
        assertThat(usage(client, "from=2026-01", 400).path("error").path("code").asText()).isEqualTo("unknown_parameter");
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/usage")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    /** {@code ./reelay keys usage} in another process, on the running stack's tables: the object GET /v1/usage answers. */
    @Test
    void keysUsagePrintsWhatTheApiAnswersTheKey() throws Exception {
        Assumptions.assumeTrue(runtime.engines().equals("local"), "./reelay keys reads the local stack's own DynamoDB Local");
        JsonNode answered = usage(client, "month=" + month, 200);

        KeysRun printed = keysInAnotherProcess("usage", "--name", KEY, "--month", month);

        assertThat(printed.exit()).as(printed.stderr()).isZero();
        assertThat(printed.stdout().lines().count()).as("one JSON line").isEqualTo(1);
        assertThat(JSON.readTree(printed.stdout())).isEqualTo(answered);
        KeysRun otherKey = keysInAnotherProcess("usage", "--name", "usage-b", "--month", month);
        assertThat(JSON.readTree(otherKey.stdout())).isEqualTo(usage(other, "month=" + month, 200));
        KeysRun nobody = keysInAnotherProcess("usage", "--name", "usage-nobody");
        assertThat(nobody.exit()).isEqualTo(2);
        assertThat(nobody.stdout()).isEmpty();
        assertThat(nobody.stderr()).contains("no API key named 'usage-nobody'");
    }

    // ------------------------------------------------------------------ helpers

    /** Tasks, seconds and dollars, summed from task objects as they report themselves. */
    private static final class Tally {
        int tasks;
        long seconds;
        BigDecimal cost = BigDecimal.ZERO;

        void add(JsonNode task) {
            assertThat(task.path("status").asText()).as("an ended task's usage is its charge").matches("completed|failed|cancelled");
            tasks++;
            seconds += task.path("usage").path("billed_seconds").asLong();
            cost = cost.add(task.path("usage").path("cost_usd").decimalValue());
        }

        void assertAnswered(JsonNode answered, String what) {
            JsonNode count = answered.path("tasks").isObject() ? answered.path("tasks").path("total") : answered.path("tasks");
            assertThat(count.isInt()).as(what + ": tasks").isTrue();
            assertThat(count.asInt()).as(what + ": tasks").isEqualTo(tasks);
            assertThat(answered.path("billed_seconds").asLong()).as(what + ": billed_seconds").isEqualTo(seconds);
            assertThat(answered.path("cost_usd").isNumber()).as(what + ": cost_usd is a number").isTrue();
            assertThat(answered.path("cost_usd").decimalValue()).as(what + ": cost_usd").isEqualByComparingTo(cost);
        }
    }

    private static Map<String, Object> body(String provider, String quality, int seconds) {
        return Map.of("model", "kling-v3-text-to-video", "prompt", "a lighthouse at dusk", "duration", seconds,
                "quality", quality, "provider", provider);
    }

    private static boolean processing(JsonNode task) {
        return task.path("status").asText().equals("processing");
    }

    private static JsonNode usage(ApiTestClient as, String query, int expectedStatus) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(as.base().resolve("/v1/usage" + (query.isEmpty() ? "" : "?" + query)))
                .header("Authorization", "Bearer " + as.apiKey()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(query + ": " + answer.body()).isEqualTo(expectedStatus);
        return JSON.readTree(answer.body());
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Map<String, AttributeValue> item(String taskId) {
        return runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.taskKey(taskId)).consistentRead(true)).item();
    }

    private static long committedMicros(String owner, String month) {
        Map<String, AttributeValue> usage = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.usageKey(owner, month)).consistentRead(true)).item();
        return usage == null || !usage.containsKey(TasksTableSchema.COMMITTED_MICROS) ? 0
                : Long.parseLong(usage.get(TasksTableSchema.COMMITTED_MICROS).n());
    }

    private record KeysRun(int exit, String stdout, String stderr) {
    }

    /** {@code ./reelay keys ...} as its own JVM in the directory that holds the stack's {@code .reelay/}. */
    private static KeysRun keysInAnotherProcess(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName(), "keys"));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile(work, "keys", ".err");
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectError(errors.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new KeysRun(process.exitValue(), stdout.strip(), Files.readString(errors));
    }
}
