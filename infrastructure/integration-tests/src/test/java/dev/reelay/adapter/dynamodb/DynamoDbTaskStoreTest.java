package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.TaskPage;
import dev.reelay.testing.Providers;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

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
        return newTask(owner, Instant.now());
    }

    private static Task newTask(String owner, Instant now) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", "blur",
                "https://example.com/a.jpg", "https://example.com/b.png", 10, Quality.P1080, Sound.ON, "16:9", null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P1080, Sound.ON, 10);
        Task task = Task.accepted("task-store-" + (++counter), owner, now, request, "inputs/a.jpeg", "inputs/b.png", quote);
        store.create(task);
        return task;
    }

    private static TimelineEvent event(String name) {
        return TimelineEvent.of(name, Instant.now());
    }

    /** A batch reads its many tasks in calls of 100 keys: every one that exists, each once, the missing left out. */
    @Test
    void findAllReadsMoreThanOneCallsWorthOfTasksAndLeavesOutTheMissing() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 230; i++) {
            ids.add(newTask("team-find-all").id());
        }
        store.recordProgress(ids.get(150), 40);
        List<String> asked = new java.util.ArrayList<>(ids);
        asked.add("task-missing");
        asked.add(ids.get(0));

        List<Task> found = store.findAll(asked);

        assertThat(found).extracting(Task::id).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(found).filteredOn(task -> task.id().equals(ids.get(150))).singleElement()
                .extracting(Task::progress).isEqualTo(40);
        assertThat(store.findAll(List.of())).isEmpty();
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
                .key(TasksTableSchema.usageKey(owner, Instant.now()))).item();
        assertThat(usage.get("tasks").n()).isEqualTo("1");
        assertThat(usage.get("costMicros").n()).isEqualTo("1500000");
        assertThat(usage.get("billedSeconds").n()).isEqualTo("10");
        Map<String, AttributeValue> billing = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(TasksTableSchema.billingKey(task.id()))).item();
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
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.billingKey(task.id()))).item())
                .isNullOrEmpty();
    }

    /** Every page of a listing, following the cursors; fails on a page bigger than the limit. */
    private static List<List<String>> pages(DynamoDbTaskStore store, String owner, Optional<TaskStatus> status, int limit) {
        List<List<String>> pages = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            TaskPage page = store.list(owner, status, limit, cursor);
            assertThat(page.tasks()).hasSizeLessThanOrEqualTo(limit);
            assertThat(page.tasks()).allSatisfy(t -> assertThat(t.ownerKeyId()).isEqualTo(owner));
            pages.add(page.tasks().stream().map(Task::id).toList());
            cursor = page.nextCursor();
            assertThat(pages).as("pages").hasSizeLessThan(50);
        } while (cursor.isPresent());
        return pages;
    }

    /** Eleven tasks of one owner, three of them sharing a millisecond, every third one failed; another owner's in between. */
    private static List<Task> elevenTasksNewestFirst(String owner) {
        Instant base = Instant.parse("2026-11-23T01:00:00.000Z");
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            Task task = newTask(owner, i >= 4 && i <= 6 ? base.plusMillis(4000) : base.plusMillis(i * 1000L));
            if (i % 3 == 0) {
                store.markFailed(task.id(), new Failure("provider_failed", "no"), event("failed"));
            }
            tasks.add(0, task);
            newTask(owner + "-neighbour", base.plusMillis(i * 1000L + 500));
        }
        tasks.sort((a, b) -> TaskCursor.NEWEST_FIRST.compare(TaskCursor.of(a), TaskCursor.of(b)));
        return tasks;
    }

    @Test
    void listingPagesThroughAnOwnersTasksNewestFirstWithoutGapsOrDuplicates() {
        List<Task> tasks = elevenTasksNewestFirst("owner-list");

        List<List<String>> pages = pages(store, "owner-list", Optional.empty(), 3);

        assertThat(pages).hasSize(4);
        assertThat(pages.subList(0, 3)).allSatisfy(page -> assertThat(page).hasSize(3));
        assertThat(pages.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(tasks.stream().map(Task::id).toList());
        assertThat(tasks.get(0).createdAt()).isAfter(tasks.get(10).createdAt());
        TaskPage exact = store.list("owner-list", Optional.empty(), 11, Optional.empty());
        assertThat(exact.tasks()).hasSize(11);
        assertThat(exact.hasMore()).as("a page that holds the rest exactly has no next").isFalse();
        Task read = exact.tasks().get(0);
        assertThat(read).isEqualTo(store.find(read.id()).orElseThrow());
    }

    @Test
    void aStatusFilterGivesFullPagesAndResumesExactlyWhereItStopped() {
        List<Task> tasks = elevenTasksNewestFirst("owner-filter");
        List<String> failed = tasks.stream().filter(t -> store.find(t.id()).orElseThrow().status() == TaskStatus.FAILED)
                .map(Task::id).toList();
        assertThat(failed).hasSize(4);

        List<List<String>> pages = pages(store, "owner-filter", Optional.of(TaskStatus.FAILED), 1);
        assertThat(pages.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(failed);
        assertThat(pages.subList(0, 4)).allSatisfy(page -> assertThat(page).hasSize(1));

        List<List<String>> pendingPages = pages(store, "owner-filter", Optional.of(TaskStatus.PENDING), 3);
        assertThat(pendingPages).extracting(List::size).containsExactly(3, 3, 1);
        assertThat(store.list("owner-filter", Optional.of(TaskStatus.COMPLETED), 5, Optional.empty()).tasks()).isEmpty();
    }

    @Test
    void aSparseStatusStopsAtTheReadBoundWithACursorThatLosesNothing() {
        DynamoDbTaskStore tight = new DynamoDbTaskStore(dynamo.client(), TABLE, Clock.systemUTC(), 2, 2);
        List<Task> tasks = elevenTasksNewestFirst("owner-sparse");
        List<String> failed = tasks.stream().filter(t -> store.find(t.id()).orElseThrow().status() == TaskStatus.FAILED)
                .map(Task::id).toList();

        TaskPage first = tight.list("owner-sparse", Optional.of(TaskStatus.FAILED), 10, Optional.empty());
        assertThat(first.tasks()).hasSizeLessThan(4);
        assertThat(first.hasMore()).isTrue();

        List<List<String>> pages = pages(tight, "owner-sparse", Optional.of(TaskStatus.FAILED), 10);
        assertThat(pages.size()).isGreaterThan(1);
        assertThat(pages.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(failed);
    }

    @Test
    void anotherOwnersTasksAreNeverListedAndABadCursorIsRefused() {
        Task mine = newTask("owner-me");
        newTask("owner-them");

        assertThat(store.list("owner-me", Optional.empty(), 100, Optional.empty()).tasks()).extracting(Task::id).containsExactly(mine.id());
        assertThat(store.list("owner-nobody", Optional.empty(), 100, Optional.empty()).tasks()).isEmpty();
        assertThatThrownBy(() -> store.list("owner-me", Optional.empty(), 10, Optional.of("not-a-cursor")))
                .asInstanceOf(type(InvalidRequestException.class))
                .satisfies(e -> {
                    assertThat(e.code()).isEqualTo("invalid_cursor");
                    assertThat(e.field()).isEqualTo("cursor");
                });
        Map<String, AttributeValue> billing = Map.of("pk", AttributeValue.fromS("TASK#x"), "sk", AttributeValue.fromS("BILLING"),
                "ownerKeyId", AttributeValue.fromS("owner-me"));
        dynamo.client().putItem(p -> p.tableName(TABLE).item(billing));
        assertThat(store.list("owner-me", Optional.empty(), 100, Optional.empty()).tasks()).as("only task items are indexed").hasSize(1);
    }

    @Test
    void aFreeCancellationEndsTheTaskWithoutAnyBillingAndOnlyOnce() {
        Task task = newTask("owner-cancel-free");

        assertThat(store.markCancelled(task.id(), "p-unexpected", Quote.FREE, event("cancelled"))).as("vendor guard").isFalse();
        assertThat(store.markCancelled(task.id(), null, Quote.FREE, event("cancelled"))).isTrue();
        assertThat(store.markCancelled(task.id(), null, Quote.FREE, event("cancelled"))).isFalse();
        assertThat(store.settle(task.id(), task.quote(), event("billed"))).isFalse();
        assertThat(store.markFailed(task.id(), new Failure("x", "y"), event("failed"))).isFalse();
        assertThat(store.appendEventToEndedTask(task.id(), event("webhook_delivered"))).isTrue();

        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(read.charged().costUsd()).isZero();
        assertThat(read.timeline()).extracting(TimelineEvent::event).containsExactly("accepted", "cancelled", "webhook_delivered");
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.billingKey(task.id()))).item()).isNullOrEmpty();
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.usageKey("owner-cancel-free", Instant.now())))
                .item()).isNullOrEmpty();
    }

    @Test
    void aCancellationRacingSettlementHasExactlyOneWinnerAndAtMostOneCharge() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        int cancelledWins = 0;
        int settledWins = 0;
        for (int round = 0; round < 6; round++) {
            String owner = "owner-cancel-race-" + round;
            Task task = newTask(owner);
            store.recordProviderSubmission(task.id(), "kling", "p-" + round, 5, task.quote(), event("provider_submitted"));
            Quote charge = round % 2 == 0 ? task.quote() : Quote.FREE;
            String providerTaskId = "p-" + round;
            List<Callable<String>> racers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                racers.add(() -> store.settle(task.id(), task.quote(), event("billed")) ? "settled" : "");
                racers.add(() -> store.markCancelled(task.id(), providerTaskId, charge, event("cancelled")) ? "cancelled" : "");
            }
            List<String> winners = new ArrayList<>();
            for (Future<String> racer : pool.invokeAll(racers)) {
                if (!racer.get().isEmpty()) {
                    winners.add(racer.get());
                }
            }
            assertThat(winners).as("round " + round).hasSize(1);
            Task read = store.find(task.id()).orElseThrow();
            Map<String, AttributeValue> billing = dynamo.client().getItem(g -> g.tableName(TABLE)
                    .key(TasksTableSchema.billingKey(task.id()))).item();
            Map<String, AttributeValue> usage = dynamo.client().getItem(g -> g.tableName(TABLE)
                    .key(TasksTableSchema.usageKey(owner, Instant.now()))).item();
            if (winners.get(0).equals("settled")) {
                settledWins++;
                assertThat(read.status()).isEqualTo(TaskStatus.COMPLETED);
                assertThat(billing.get("outcome").s()).isEqualTo("completed");
            } else {
                cancelledWins++;
                assertThat(read.status()).isEqualTo(TaskStatus.CANCELLED);
                assertThat(read.charged()).isEqualTo(charge);
            }
            if (read.charged().costUsd().signum() > 0) {
                assertThat(billing.get("costMicros").n()).isEqualTo("1500000");
                assertThat(usage.get("tasks").n()).isEqualTo("1");
                assertThat(usage.get("costMicros").n()).isEqualTo("1500000");
            } else {
                assertThat(billing).isNullOrEmpty();
                assertThat(usage).isNullOrEmpty();
            }
        }
        pool.shutdown();
        assertThat(cancelledWins + settledWins).isEqualTo(6);
    }

    @Test
    void aChargedCancellationIsBilledLikeASettlement() {
        String owner = "owner-cancel-charged";
        Task task = newTask(owner);
        store.recordProviderSubmission(task.id(), "kling", "p-k", 5, task.quote(), event("provider_submitted"));

        assertThat(store.markCancelled(task.id(), null, task.quote(), event("cancelled"))).as("the vendor has it now").isFalse();
        assertThat(store.markCancelled(task.id(), "p-k", task.quote(), new TimelineEvent("cancelled", Instant.now(), "kling bills it"))).isTrue();
        assertThat(store.markCancelled(task.id(), "p-k", task.quote(), event("cancelled"))).isFalse();

        Task read = store.find(task.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(read.charged().costUsd()).isEqualByComparingTo("1.5");
        assertThat(read.timeline().get(read.timeline().size() - 1).detail()).isEqualTo("kling bills it");
        Map<String, AttributeValue> billing = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(TasksTableSchema.billingKey(task.id()))).item();
        assertThat(billing.get("outcome").s()).isEqualTo("cancelled");
        assertThat(billing.get("provider").s()).isEqualTo("kling");
        assertThat(billing.get("ownerKeyId").s()).isEqualTo(owner);
        assertThat(billing.get("costMicros").n()).isEqualTo("1500000");
        Map<String, AttributeValue> usage = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(TasksTableSchema.usageKey(owner, Instant.now()))).item();
        assertThat(usage.get("tasks").n()).isEqualTo("1");
        assertThat(usage.get("billedSeconds").n()).isEqualTo("10");
    }
}
