package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task's end settles its budget reservation in the same transaction, against a real DynamoDB
 * Local: completion to the real charge, failure to zero, exactly once however the end is raced.
 */
class DynamoDbTaskStoreBudgetTest {
    private static final String TABLE = "TasksTable";
    private static final Instant NOVEMBER = Instant.parse("2026-11-20T12:00:00Z");
    private static final Failure FAILURE = new Failure("provider_failed", "The provider gave up.");
    private static LocalDynamoDb dynamo;
    private static DynamoDbTaskStore store;
    private static DynamoDbBudgets budgets;
    private static int counter;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
        store = new DynamoDbTaskStore(dynamo.client(), TABLE, Clock.systemUTC());
        budgets = new DynamoDbBudgets(dynamo.client(), TABLE);
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    /** A 5 s 720p task quoted $0.375 whose owner reserved {@code reservedMicros} (the dearest vendor's price). */
    private static Task reservedTask(String owner, long reservedMicros) {
        Quote quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Task task = Task.accepted("task-budget-" + (++counter), owner, NOVEMBER, request, "inputs/a.jpeg", null, quote);
        Reservation reservation = reservedMicros == 0 ? Reservation.NONE
                : budgets.reserve(owner, OptionalLong.of(10_000_000), reservedMicros, "2026-11");
        store.create(task, reservation);
        return task;
    }

    private static long counter(String owner, String month, String name) {
        Map<String, AttributeValue> item = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(TasksTableSchema.usageKey(owner, month)).consistentRead(true)).item();
        return item == null || !item.containsKey(name) ? 0 : Long.parseLong(item.get(name).n());
    }

    private static TimelineEvent billed(Instant at, Quote charge) {
        return new TimelineEvent(TimelineEvent.BILLED, at, charge.costUsd().toPlainString() + " USD");
    }

    @Test
    void theReservationIsKeptOnTheTaskItem() {
        Task task = reservedTask("kept", 450_000);

        Map<String, AttributeValue> item = dynamo.client().getItem(g -> g.tableName(TABLE)
                .key(TasksTableSchema.taskKey(task.id()))).item();
        assertThat(item.get("reservedMicros").n()).isEqualTo("450000");
        assertThat(item.get("reservedMonth").s()).isEqualTo("2026-11");
        assertThat(store.find(task.id()).orElseThrow().quote().costUsd()).isEqualByComparingTo("0.375");
    }

    @Test
    void settlementAdjustsTheCommittedAmountToTheRealCharge() {
        Task task = reservedTask("settling", 450_000);
        assertThat(counter("settling", "2026-11", "committedMicros")).isEqualTo(450_000);

        assertThat(store.settle(task.id(), task.quote(), billed(NOVEMBER.plusSeconds(60), task.quote()))).isTrue();
        assertThat(store.settle(task.id(), task.quote(), billed(NOVEMBER.plusSeconds(61), task.quote()))).isFalse();

        assertThat(counter("settling", "2026-11", "committedMicros")).isEqualTo(375_000);
        assertThat(counter("settling", "2026-11", "costMicros")).isEqualTo(375_000);
        assertThat(counter("settling", "2026-11", "tasks")).isEqualTo(1);
        assertThat(store.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }

    @Test
    void aTaskSettledInTheNextMonthSettlesTheReservationOfItsOwnMonth() {
        Task task = reservedTask("crossing", 450_000);
        Instant december = Instant.parse("2026-12-01T00:00:05Z");

        assertThat(store.settle(task.id(), task.quote(), billed(december, task.quote()))).isTrue();

        // The reservation was counted in November: settled there. The charge is usage of December.
        assertThat(counter("crossing", "2026-11", "committedMicros")).isEqualTo(375_000);
        assertThat(counter("crossing", "2026-11", "costMicros")).isZero();
        assertThat(counter("crossing", "2026-12", "costMicros")).isEqualTo(375_000);
        assertThat(counter("crossing", "2026-12", "committedMicros")).isZero();
    }

    @Test
    void failureReleasesTheReservationExactlyOnceUnderRacingRetries() throws Exception {
        Task task = reservedTask("failing", 450_000);
        Task other = reservedTask("failing", 450_000);
        assertThat(counter("failing", "2026-11", "committedMicros")).isEqualTo(900_000);

        int releases = race(8, () -> store.markFailed(task.id(), FAILURE,
                new TimelineEvent(TimelineEvent.FAILED, Instant.now(), FAILURE.code())));

        assertThat(releases).isEqualTo(1);
        assertThat(counter("failing", "2026-11", "committedMicros")).isEqualTo(450_000);
        assertThat(store.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(store.find(task.id()).orElseThrow().timeline()).extracting(TimelineEvent::event).containsExactly("accepted", "failed");
        // Later retries change nothing either.
        assertThat(store.markFailed(task.id(), FAILURE, new TimelineEvent(TimelineEvent.FAILED, Instant.now(), "again"))).isFalse();
        assertThat(counter("failing", "2026-11", "committedMicros")).isEqualTo(450_000);
        assertThat(store.find(other.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void aFreeCancellationReleasesTheReservationAndAChargedOneSettlesItToTheCharge() {
        Task free = reservedTask("cancelling", 450_000);
        Task charged = reservedTask("cancelling", 450_000);
        assertThat(counter("cancelling", "2026-11", "committedMicros")).isEqualTo(900_000);

        assertThat(store.markCancelled(free.id(), null, Quote.FREE,
                new TimelineEvent(TimelineEvent.CANCELLED, NOVEMBER.plusSeconds(30), null))).isTrue();
        assertThat(counter("cancelling", "2026-11", "committedMicros")).isEqualTo(450_000);
        assertThat(counter("cancelling", "2026-11", "tasks")).isZero();

        // The vendor took the job and cannot stop it: it bills the render, so the cancellation does too.
        store.recordProviderSubmission(charged.id(), "kling", "vendor-7", 60, charged.quote(),
                new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, NOVEMBER.plusSeconds(1), "kling"));
        assertThat(store.markCancelled(charged.id(), "vendor-7", charged.quote(),
                new TimelineEvent(TimelineEvent.CANCELLED, NOVEMBER.plusSeconds(31), null))).isTrue();
        assertThat(store.markCancelled(charged.id(), "vendor-7", charged.quote(),
                new TimelineEvent(TimelineEvent.CANCELLED, NOVEMBER.plusSeconds(32), null))).as("once").isFalse();

        assertThat(counter("cancelling", "2026-11", "committedMicros")).isEqualTo(375_000);
        assertThat(counter("cancelling", "2026-11", "costMicros")).isEqualTo(375_000);
        assertThat(counter("cancelling", "2026-11", "tasks")).isEqualTo(1);
        var billing = dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.billingKey(charged.id()))).item();
        assertThat(billing.get("outcome").s()).isEqualTo("cancelled");
        assertThat(store.find(free.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(store.find(charged.id()).orElseThrow().charged().costUsd()).isEqualByComparingTo("0.375");
    }

    @Test
    void settlementAndFailureRacingEndTheTaskOnceWithAConsistentCommittedAmount() throws Exception {
        for (int round = 0; round < 3; round++) {
            String owner = "ending-" + round;
            Task task = reservedTask(owner, 450_000);
            List<Callable<Boolean>> ends = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ends.add(() -> store.settle(task.id(), task.quote(), billed(Instant.now(), task.quote())));
                ends.add(() -> store.markFailed(task.id(), FAILURE, new TimelineEvent(TimelineEvent.FAILED, Instant.now(), FAILURE.code())));
            }
            int ended = race(ends);

            assertThat(ended).isEqualTo(1);
            Task after = store.find(task.id()).orElseThrow();
            long expected = after.status() == TaskStatus.COMPLETED ? 375_000 : 0;
            assertThat(counter(owner, "2026-11", "committedMicros")).as(after.status().wire()).isEqualTo(expected);
        }
    }

    @Test
    void tasksOfOneOwnerEndingAtOnceEachSettleTheirOwnReservation() throws Exception {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(reservedTask("busy", 450_000));
        }
        List<Callable<Boolean>> ends = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            ends.add(i % 2 == 0
                    ? () -> store.settle(task.id(), task.quote(), billed(Instant.now(), task.quote()))
                    : () -> store.markFailed(task.id(), FAILURE, new TimelineEvent(TimelineEvent.FAILED, Instant.now(), FAILURE.code())));
        }

        assertThat(race(ends)).isEqualTo(8);
        assertThat(counter("busy", "2026-11", "committedMicros")).isEqualTo(4 * 375_000);
    }

    @Test
    void aTaskRecordedBeforeBudgetsStillSettlesAndFails() {
        Task settled = reservedTask("legacy", 0);
        Task failed = reservedTask("legacy", 0);
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.taskKey(settled.id()))).item())
                .doesNotContainKey("reservedMicros");

        assertThat(store.markFailed(failed.id(), FAILURE, new TimelineEvent(TimelineEvent.FAILED, NOVEMBER, FAILURE.code()))).isTrue();
        assertThat(counter("legacy", "2026-11", "committedMicros")).isZero();
        assertThat(store.settle(settled.id(), settled.quote(), billed(NOVEMBER, settled.quote()))).isTrue();

        // Nothing was held for it, so its charge is simply committed: the month's numbers stay right.
        assertThat(counter("legacy", "2026-11", "committedMicros")).isEqualTo(375_000);
        assertThat(counter("legacy", "2026-11", "costMicros")).isEqualTo(375_000);
        assertThat(store.find(failed.id()).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
    }

    private static int race(int copies, Callable<Boolean> end) throws Exception {
        List<Callable<Boolean>> ends = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            ends.add(end);
        }
        return race(ends);
    }

    /** Runs the calls at once; how many returned true. */
    private static int race(List<Callable<Boolean>> calls) throws Exception {
        return (int) AtOnce.run(calls).stream().filter(Boolean::booleanValue).count();
    }
}
