package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The task store's promises, against a real DynamoDB Local. */
class DynamoDbTaskStoreTest {
    private static final String TABLE = "TasksTable";
    private static LocalDynamoDb dynamo;
    private static DynamoDbTaskStore store;
    private static int counter;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
        store = new DynamoDbTaskStore(dynamo.client(), TABLE, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    private static Task newTask(String owner) {
        Instant now = Instant.now();
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", "blur",
                "https://example.com/a.jpg", "https://example.com/b.png", 10, Quality.P1080, Sound.ON, "16:9", null, null, null, null);
        Quote quote = PriceTable.seed004().quote(Quality.P1080, Sound.ON, 10);
        Task task = Task.accepted("task-store-" + (++counter), owner, now, request, "inputs/a.jpeg", "inputs/b.png", quote);
        store.create(task);
        return task;
    }

    private static TimelineEvent event(String name) {
        return TimelineEvent.of(name, Instant.now());
    }

    @Test
    void aTaskRoundTripsWithEveryField() {
        Task task = newTask("owner-a");
        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.request()).isEqualTo(task.request());
        assertThat(read.quote().costUsd()).isEqualByComparingTo("1.5");
        assertThat(read.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(read.imageEndKey()).isEqualTo("inputs/b.png");
        assertThat(read.timeline()).extracting(TimelineEvent::event).containsExactly("accepted");
        assertThat(store.find("task-store-missing")).isEmpty();
        assertThatThrownBy(() -> store.create(task)).isInstanceOf(ConditionalCheckFailedException.class);
    }

    @Test
    void eachEventIsRecordedOnceAndProgressOnlyMovesForward() {
        Task task = newTask("owner-b");
        assertThat(store.recordProviderSubmission(task.id(), "unified", "p-1", 42, task.quote(), event("provider_submitted"))).isTrue();
        assertThat(store.recordProviderSubmission(task.id(), "unified", "p-2", 42, task.quote(), event("provider_submitted"))).isFalse();
        store.recordProgress(task.id(), 60);
        store.recordProgress(task.id(), 30);
        assertThat(store.appendEvent(task.id(), event("provider_completed"))).isTrue();
        assertThat(store.appendEvent(task.id(), event("provider_completed"))).isFalse();

        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(read.providerTaskId()).isEqualTo("p-1");
        assertThat(read.estimatedSeconds()).isEqualTo(42);
        assertThat(read.progress()).isEqualTo(60);
        assertThat(read.timeline()).extracting(TimelineEvent::event)
                .containsExactly("accepted", "provider_submitted", "provider_completed");
    }

    @Test
    void settlementChargesExactlyOnceEvenWhenRacing() throws Exception {
        String owner = "owner-race";
        Task task = newTask(owner);
        store.recordProviderSubmission(task.id(), "unified", "p-9", 5, task.quote(), event("provider_submitted"));
        store.recordResult(task.id(), new TaskResult("videos/x.mp4", "ab".repeat(32), 1234, 10.0), event("archived"));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            attempts.add(() -> store.settle(task.id(), task.quote(), event("billed")));
        }
        int settled = 0;
        for (Future<Boolean> attempt : pool.invokeAll(attempts)) {
            settled += attempt.get() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(settled).isEqualTo(1);
        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(read.charged().costUsd()).isEqualByComparingTo("1.5");
        assertThat(read.result().bytes()).isEqualTo(1234);
        assertThat(read.timeline()).extracting(TimelineEvent::event).endsWith("archived", "billed");
        Map<String, AttributeValue> usage = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(DynamoDbTaskStore.usageKey(owner, Instant.now()))).item();
        assertThat(usage.get("tasks").n()).isEqualTo("1");
        assertThat(usage.get("costMicros").n()).isEqualTo("1500000");
        assertThat(usage.get("billedSeconds").n()).isEqualTo("10");
        Map<String, AttributeValue> billing = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(DynamoDbTaskStore.billingKey(task.id()))).item();
        assertThat(billing.get("ownerKeyId").s()).isEqualTo(owner);
        assertThat(billing.get("provider").s()).isEqualTo("unified");
    }

    @Test
    void anEndedTaskAcceptsNoFurtherChangeAndAFailedOneIsNeverBilled() {
        Task task = newTask("owner-c");
        assertThat(store.markFailed(task.id(), new Failure("provider_failed", "blocked"), event("failed"))).isTrue();
        assertThat(store.settle(task.id(), task.quote(), event("billed"))).isFalse();
        assertThat(store.markFailed(task.id(), new Failure("other", "again"), event("failed"))).isFalse();
        assertThat(store.appendEvent(task.id(), event("provider_completed"))).isFalse();

        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(read.failure()).isEqualTo(new Failure("provider_failed", "blocked"));
        assertThat(read.charged().costUsd()).isZero();
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(DynamoDbTaskStore.billingKey(task.id()))).item())
                .isNullOrEmpty();
    }
}
