package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.Sandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bursts against vendor accounts that run a few jobs at a time (docs/queue.md), on the local stack:
 * every sandbox refuses a fourth unfinished job with its vendor's own concurrency error, and Reelay
 * caps Kling at 3 itself; the unified aggregator has no cap in Reelay, so it learns its limit from
 * the refusals.
 */
@EndToEnd
class ProviderQueueEndToEndTest {
    private static final int ACCOUNT_LIMIT = 3;
    private static final Duration BURST_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static ApiTestClient api;
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        runtime = TestBackend.start(new LocalRuntime.Settings(null, tests.sandbox().withMaxParallelTasks(ACCOUNT_LIMIT),
                tests.polling(), 0, Map.of(), true).withMaxConcurrency(Map.of("kling", ACCOUNT_LIMIT)));
        api = ApiTestClient.of(runtime);
        image = ApiTestClient.frameImage(dir);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @AfterEach
    void forgetRefusals() {
        QueueLedger.forgetRefusals(runtime);
    }

    private static Map<String, Object> job(String provider) {
        return Map.of("model", "kling-v3-image-to-video", "prompt", "burst", "image_start", image, "duration", 3, "provider", provider);
    }

    /** Sends {@code count} tasks at once, each from its own thread, and waits for them all to end. */
    private static List<JsonNode> burst(ApiTestClient client, String provider, int count) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(count);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ids.add(senders.submit(() -> client.submit(job(provider))));
            }
            List<JsonNode> ended = new ArrayList<>();
            for (Future<String> id : ids) {
                ended.add(client.awaitEnd(id.get(), BURST_TIMEOUT));
            }
            return ended;
        } finally {
            senders.shutdownNow();
        }
    }

    @Test
    void aBurstOfTwentyFourAgainstACappedVendorAllCompleteAndTheVendorNeverRunsMoreThanItsCap() throws Exception {
        Sandbox kling = runtime.sandbox("kling");
        int jobsBefore = kling.taskIds().size();

        List<JsonNode> tasks = burst(api, "kling", 24);

        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
            assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
            assertThat(ApiTestClient.events(task)).doesNotContain("provider_refused", "failed");
        });
        assertThat(kling.peakParallelJobs()).isLessThanOrEqualTo(ACCOUNT_LIMIT);
        assertThat(kling.taskIds().size() - jobsBefore).as("one vendor job per task").isEqualTo(24);
        // At most three ran at once, so at least 21 waited, and each that waited says so.
        long waited = tasks.stream().filter(task -> ApiTestClient.events(task).contains("queued")).count();
        assertThat(waited).isGreaterThanOrEqualTo(21);
        assertThat(QueueLedger.holders(runtime, "kling")).as("every slot given back").isEmpty();
    }

    @Test
    void withoutACapInReelayTheVendorsOwnRefusalsAreOnlyTimelineEventsAndAllTwentyFourComplete() throws Exception {
        Sandbox unified = runtime.sandbox("unified");
        int jobsBefore = unified.taskIds().size();

        List<JsonNode> tasks = burst(api, "unified", 24);

        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
            assertThat(ApiTestClient.events(task)).doesNotContain("failed");
        });
        assertThat(unified.peakParallelJobs()).isLessThanOrEqualTo(ACCOUNT_LIMIT);
        assertThat(unified.taskIds().size() - jobsBefore).isEqualTo(24);
        assertThat(tasks.stream().filter(task -> ApiTestClient.events(task).contains("provider_refused")).count())
                .as("the vendor's limit was met and refused").isPositive();
        assertThat(QueueLedger.holders(runtime, "unified")).isEmpty();
    }

    @Test
    void aKeyAtItsOwnCapDoesNotHoldUpAnotherKeysTask() throws Exception {
        ApiTestClient busy = api.withKey(runtime.apiKeys().create("busy-team", null, 2).secret());
        ApiTestClient other = api.withKey(runtime.apiKeys().create("other-team", null, null).secret());
        runtime.sandbox("kling").faults().renderSlowly(20, Duration.ofSeconds(2));

        List<String> busyIds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            busyIds.add(busy.submit(job("kling")));
        }
        Thread.sleep(1500); // the busy key's tasks are queued by now
        String otherId = other.submit(job("kling"));

        JsonNode otherTask = other.awaitEnd(otherId, BURST_TIMEOUT);
        assertThat(otherTask.path("status").asText()).isEqualTo("completed");
        assertThat(ApiTestClient.events(otherTask)).as("a slot was free for it at once").doesNotContain("queued");
        List<JsonNode> busyTasks = new ArrayList<>();
        for (String id : busyIds) {
            busyTasks.add(busy.awaitEnd(id, BURST_TIMEOUT));
        }
        assertThat(busyTasks).allSatisfy(task -> assertThat(task.path("status").asText()).isEqualTo("completed"));
        assertThat(maxOverlap(busyTasks)).as("the busy key never held more than its cap").isLessThanOrEqualTo(2);
        Instant otherDone = ApiTestClient.times(otherTask).get("billed");
        long busyStillWaiting = busyTasks.stream().filter(task -> ApiTestClient.times(task).get("provider_submitted").isAfter(otherDone)).count();
        assertThat(busyStillWaiting).as("the other key's task was not served after the busy key's queue").isGreaterThan(10);
    }

    @Test
    void cancellingAQueuedTaskIsFreeAndImmediateAndItsTurnGoesToTheNext() throws Exception {
        runtime.sandbox("kling").faults().renderSlowly(ACCOUNT_LIMIT, Duration.ofSeconds(6));
        List<String> running = new ArrayList<>();
        for (int i = 0; i < ACCOUNT_LIMIT; i++) {
            running.add(api.submit(job("kling")));
        }
        String queued = api.submit(job("kling"));
        JsonNode waiting = api.get(queued);
        // Its place in the ledger shows a moment before its "queued" event is on the timeline: wait for both.
        for (int i = 0; i < 50 && (waiting.path("task_info").path("queue_position").isMissingNode()
                || !ApiTestClient.events(waiting).contains("queued")); i++) {
            Thread.sleep(100);
            waiting = api.get(queued);
        }
        assertThat(waiting.path("task_info").path("queue_position").asInt()).as(waiting.toString()).isEqualTo(1);

        HttpResponse<String> cancelled = api.cancel(queued);

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        JsonNode task = api.get(queued);
        assertThat(task.path("status").asText()).isEqualTo("cancelled");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
        assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
        assertThat(task.path("task_info").path("queue_position").isMissingNode()).isTrue();
        assertThat(ApiTestClient.events(task)).containsSubsequence("queued", "cancelled").doesNotContain("provider_submitted");
        assertThat(QueueLedger.holders(runtime, "kling")).hasSize(ACCOUNT_LIMIT).doesNotContainKey(queued);
        for (String id : running) {
            assertThat(api.awaitEnd(id, BURST_TIMEOUT).path("status").asText()).isEqualTo("completed");
        }
        assertThat(QueueLedger.holders(runtime, "kling")).isEmpty();
    }

    /** The most tasks that had a vendor job at the same moment, from their timelines. */
    private static int maxOverlap(List<JsonNode> tasks) {
        List<long[]> edges = new ArrayList<>();
        for (JsonNode task : tasks) {
            Map<String, Instant> at = ApiTestClient.times(task);
            edges.add(new long[]{at.get("provider_submitted").toEpochMilli(), 1});
            edges.add(new long[]{at.get("provider_completed").toEpochMilli(), -1});
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int most = 0;
        for (long[] edge : edges) {
            now += (int) edge[1];
            most = Math.max(most, now);
        }
        return most;
    }
}
