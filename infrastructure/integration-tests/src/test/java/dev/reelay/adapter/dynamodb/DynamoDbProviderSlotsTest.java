package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.ProviderSlots.Grant;
import dev.reelay.port.ProviderSlots.VendorSlots;
import dev.reelay.port.ProviderSlots.Waiting;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slot ledger and the queue in front of the vendors (docs/queue.md), against a real DynamoDB
 * Local: places by acceptance time, grants that keep the vendor's and the key's caps exactly however
 * many dispatches race, releases and leases, and the task store giving a slot back and taking the
 * task out of the queue in the transaction that ends it. Each test has a table of its own, because
 * the queue is one partition of the table.
 */
class DynamoDbProviderSlotsTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    private static final String WAITING_STATE = "AwaitProviderSlot";
    private static final Failure FAILURE = new Failure("queue_timeout", "No slot in time.");
    private static final OptionalInt NO_CAP = OptionalInt.empty();
    /** Runs once, just before the next transaction any client call sends: a write racing it. */
    private static final AtomicReference<Runnable> BEFORE_NEXT_TRANSACTION = new AtomicReference<>();
    private static LocalDynamoDb dynamo;
    private static int tables;
    private static int counter;
    private DynamoDbTaskStore store;
    private DynamoDbProviderSlots slots;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null, List.of(new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof TransactWriteItemsRequest) {
                    Runnable racer = BEFORE_NEXT_TRANSACTION.getAndSet(null);
                    if (racer != null) {
                        racer.run();
                    }
                }
            }
        }));
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @BeforeEach
    void freshTable() {
        String table = "SlotsTable" + (++tables);
        dynamo.createTasksTable(table);
        store = new DynamoDbTaskStore(dynamo.client(), table, Clock.systemUTC());
        slots = new DynamoDbProviderSlots(dynamo.client(), table);
    }

    private Task accepted(String owner, Instant at) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Task task = Task.accepted("task-slots-" + (++counter), owner, at, request, "inputs/a.jpeg", null,
                Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5));
        store.create(task);
        return task;
    }

    /** Puts the task in the queue, as its workflow would when it found no free slot. */
    private Waiting queued(Task task, OptionalInt keyCap, String... candidates) {
        Waiting entry = new Waiting(task.id(), task.createdAt(), task.ownerKeyId(), List.of(candidates), keyCap, null, null);
        slots.enqueue(entry);
        return entry;
    }

    private Optional<Waiting> entryOf(Task task) {
        return slots.entry(task.id(), task.createdAt());
    }

    private Map<String, Instant> holders(String provider) {
        return slots.vendor(provider).holders();
    }

    private static TimelineEvent event(String name) {
        return TimelineEvent.of(name, Instant.now());
    }

    /** A submission's event keyed by its job, so that only the guard on the vendor job can refuse a second one. */
    private static TimelineEvent submitted(String job) {
        return new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, Instant.now(), job, TimelineEvent.PROVIDER_SUBMITTED + "#" + job);
    }

    @Test
    void aTaskKeepsItsFirstPlaceAndTheQueueIsOldestFirst() {
        Task late = accepted("owner-a", T0.plusSeconds(2));
        Task early = accepted("owner-b", T0);
        Task middle = accepted("owner-a", T0.plusSeconds(1));
        Task outside = accepted("owner-a", T0.minusSeconds(1));
        queued(late, OptionalInt.of(2), "kling", "unified");
        queued(early, NO_CAP, "unified");
        queued(middle, NO_CAP, "kling");
        assertThat(slots.awaitSlot(late.id(), late.createdAt(), "token-late", WAITING_STATE)).isTrue();
        // Sent back to the queue again: it keeps its place, what it waits for, and its waiting workflow.
        slots.enqueue(new Waiting(late.id(), late.createdAt(), "owner-a", List.of("gateway"), OptionalInt.of(9), null, null));

        List<Waiting> queue = slots.waiting(10);

        assertThat(queue).extracting(Waiting::taskId).containsExactly(early.id(), middle.id(), late.id());
        Waiting last = queue.get(2);
        assertThat(last.acceptedAt()).isEqualTo(late.createdAt());
        assertThat(last.ownerKeyId()).isEqualTo("owner-a");
        assertThat(last.candidates()).containsExactly("kling", "unified");
        assertThat(last.keyCap()).hasValue(2);
        assertThat(last.taskToken()).isEqualTo("token-late");
        assertThat(last.waitingState()).isEqualTo(WAITING_STATE);
        Waiting first = queue.get(0);
        assertThat(first.candidates()).containsExactly("unified");
        assertThat(first.keyCap()).isEmpty();
        assertThat(first.taskToken()).isNull();
        assertThat(first.waitingState()).isNull();
        assertThat(slots.waiting(2)).extracting(Waiting::taskId).containsExactly(early.id(), middle.id());

        assertThat(slots.position(early.id(), early.createdAt())).hasValue(1);
        assertThat(slots.position(middle.id(), middle.createdAt())).hasValue(2);
        assertThat(slots.position(late.id(), late.createdAt())).hasValue(3);
        assertThat(slots.position(outside.id(), outside.createdAt())).isEmpty();
        assertThat(entryOf(middle)).hasValue(queue.get(1));
        assertThat(entryOf(late)).hasValue(last);
        assertThat(entryOf(outside)).isEmpty();
    }

    @Test
    void aGrantSetsTheHoldersAndTheTasksSlotAndTakesItOutOfTheQueue() {
        Task task = accepted("owner-a", T0);
        Task behind = accepted("owner-b", T0.plusSeconds(1));
        Waiting entry = queued(task, OptionalInt.of(2), "kling");
        queued(behind, NO_CAP, "kling");
        Instant at = T0.plusSeconds(5);

        assertThat(slots.grant(entry, "kling", 3, at)).isEqualTo(Grant.GRANTED);

        assertThat(holders("kling")).isEqualTo(Map.of(task.id(), at));
        assertThat(slots.heldByKey("owner-a")).isEqualTo(Map.of(task.id(), at));
        assertThat(slots.heldByKey("owner-b")).isEmpty();
        assertThat(slots.slotOf(task.id())).hasValue("kling");
        assertThat(slots.slotOf(behind.id())).isEmpty();
        assertThat(entryOf(task)).isEmpty();
        assertThat(slots.position(task.id(), task.createdAt())).isEmpty();
        assertThat(slots.position(behind.id(), behind.createdAt())).hasValue(1);
    }

    @Test
    void aFullVendorOrAFullKeyGrantsNothingAndTheTaskWaitsOn() {
        Task first = accepted("owner-a", T0);
        Task second = accepted("owner-b", T0.plusMillis(1));
        Task third = accepted("owner-c", T0.plusMillis(2));
        assertThat(slots.grant(queued(first, NO_CAP, "kling"), "kling", 2, T0)).isEqualTo(Grant.GRANTED);
        assertThat(slots.grant(queued(second, NO_CAP, "kling"), "kling", 2, T0)).isEqualTo(Grant.GRANTED);
        Waiting thirdEntry = queued(third, NO_CAP, "kling");

        assertThat(slots.grant(thirdEntry, "kling", 2, T0)).isEqualTo(Grant.FULL);

        assertThat(holders("kling")).containsOnlyKeys(first.id(), second.id());
        assertThat(slots.heldByKey("owner-c")).isEmpty();
        assertThat(slots.slotOf(third.id())).isEmpty();
        assertThat(entryOf(third)).hasValue(thirdEntry);

        // A key at its own cap waits, while another key's task takes a slot at the same vendor.
        Task capped = accepted("owner-d", T0.plusMillis(3));
        Task cappedToo = accepted("owner-d", T0.plusMillis(4));
        Task other = accepted("owner-e", T0.plusMillis(5));
        assertThat(slots.grant(queued(capped, OptionalInt.of(1), "unified"), "unified", Integer.MAX_VALUE, T0))
                .isEqualTo(Grant.GRANTED);
        Waiting overTheKeyCap = queued(cappedToo, OptionalInt.of(1), "unified");

        assertThat(slots.grant(overTheKeyCap, "unified", Integer.MAX_VALUE, T0)).isEqualTo(Grant.FULL);
        assertThat(slots.grant(queued(other, OptionalInt.of(1), "unified"), "unified", Integer.MAX_VALUE, T0))
                .isEqualTo(Grant.GRANTED);

        assertThat(holders("unified")).containsOnlyKeys(capped.id(), other.id());
        assertThat(slots.heldByKey("owner-d")).containsOnlyKeys(capped.id());
        assertThat(slots.slotOf(cappedToo.id())).isEmpty();
        assertThat(entryOf(cappedToo)).hasValue(overTheKeyCap);
    }

    @Test
    void aTaskNoLongerPendingIsGoneAndItsStaleEntryIsRemoved() {
        Task failed = accepted("owner-a", T0);
        Waiting entry = queued(failed, NO_CAP, "kling");
        assertThat(store.markFailed(failed.id(), FAILURE, event(TimelineEvent.FAILED))).isTrue();
        assertThat(entryOf(failed)).as("the end took it out of the queue").isEmpty();
        // An enqueue that raced the end puts it back.
        slots.enqueue(entry);

        assertThat(slots.grant(entry, "kling", 3, T0)).isEqualTo(Grant.GONE);

        assertThat(entryOf(failed)).isEmpty();
        assertThat(holders("kling")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(slots.slotOf(failed.id())).isEmpty();

        // A task whose job a vendor has is not pending either.
        Task submitted = accepted("owner-a", T0.plusSeconds(1));
        Waiting stale = queued(submitted, NO_CAP, "kling");
        assertThat(store.recordProviderSubmission(submitted.id(), "unified", "job-1", 60, submitted.quote(), submitted("job-1"))).isTrue();

        assertThat(slots.grant(stale, "kling", 3, T0)).isEqualTo(Grant.GONE);

        assertThat(entryOf(submitted)).isEmpty();
        assertThat(holders("kling")).isEmpty();
        assertThat(slots.slotOf(submitted.id())).isEmpty();
    }

    @Test
    void anEntryWhoseWaitChangedSinceItWasReadIsNotGranted() {
        Task task = accepted("owner-a", T0);
        queued(task, NO_CAP, "kling");
        Waiting read = entryOf(task).orElseThrow();
        assertThat(slots.awaitSlot(task.id(), task.createdAt(), "token-1", WAITING_STATE)).isTrue();

        assertThat(slots.grant(read, "kling", 3, T0)).isEqualTo(Grant.CHANGED);

        Waiting reread = entryOf(task).orElseThrow();
        assertThat(reread.taskToken()).isEqualTo("token-1");
        // From one token to another, too.
        assertThat(slots.awaitSlot(task.id(), task.createdAt(), "token-2", WAITING_STATE)).isTrue();
        assertThat(slots.grant(reread, "kling", 3, T0)).isEqualTo(Grant.CHANGED);

        assertThat(holders("kling")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(slots.slotOf(task.id())).isEmpty();
        Waiting current = entryOf(task).orElseThrow();
        assertThat(current.taskToken()).isEqualTo("token-2");
        assertThat(slots.grant(current, "kling", 3, T0)).isEqualTo(Grant.GRANTED);
    }

    @Test
    void aTaskHoldingASlotIsNotGrantedASecond() {
        Task task = accepted("owner-a", T0);
        Waiting entry = queued(task, NO_CAP, "kling", "unified");
        assertThat(slots.grant(entry, "kling", 3, T0)).isEqualTo(Grant.GRANTED);

        // The same entry once more, as a second dispatch read it before the grant.
        assertThat(slots.grant(entry, "kling", 3, T0.plusSeconds(1))).isNotEqualTo(Grant.GRANTED);
        // The task in the queue again while it holds its slot, at another vendor.
        slots.enqueue(entry);
        assertThat(slots.grant(entry, "unified", 3, T0.plusSeconds(2))).isEqualTo(Grant.GONE);

        assertThat(slots.slotOf(task.id())).hasValue("kling");
        assertThat(holders("kling")).isEqualTo(Map.of(task.id(), T0));
        assertThat(holders("unified")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEqualTo(Map.of(task.id(), T0));
        assertThat(entryOf(task)).as("the stale entry is removed").isEmpty();
    }

    @Test
    void racingDispatchesGrantExactlyTheSlotsThereAre() throws Exception {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Task task = accepted("owner-crowd", T0.plusMillis(i));
            queued(task, NO_CAP, "kling");
            tasks.add(task);
        }
        List<String> granted = Collections.synchronizedList(new ArrayList<>());
        Instant deadline = Instant.now().plusSeconds(60);
        List<Callable<Void>> dispatches = new ArrayList<>();
        for (int d = 0; d < 8; d++) {
            int start = d;
            dispatches.add(() -> {
                while (holders("kling").size() < 3 && Instant.now().isBefore(deadline)) {
                    List<Waiting> queue = new ArrayList<>(slots.waiting(100));
                    // Each dispatch starts at another task, so that different tasks race for the last slots.
                    Collections.rotate(queue, -start);
                    for (Waiting entry : queue) {
                        if (slots.grant(entry, "kling", 3, Instant.now()) == Grant.GRANTED) {
                            granted.add(entry.taskId());
                        }
                    }
                }
                return null;
            });
        }

        AtOnce.run(dispatches);

        assertThat(granted).hasSize(3).doesNotHaveDuplicates();
        assertThat(holders("kling").keySet()).containsExactlyInAnyOrderElementsOf(granted);
        assertThat(slots.heldByKey("owner-crowd").keySet()).containsExactlyInAnyOrderElementsOf(granted);
        for (Task task : tasks) {
            boolean holds = granted.contains(task.id());
            assertThat(slots.slotOf(task.id())).as(task.id()).isEqualTo(holds ? Optional.of("kling") : Optional.empty());
            assertThat(entryOf(task).isPresent()).as(task.id() + " waits").isEqualTo(!holds);
        }
    }

    @Test
    void oneTaskRacedAtManyVendorsAtOnceTakesOneSlot() throws Exception {
        Task task = accepted("owner-a", T0);
        List<String> vendors = List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
        Waiting entry = queued(task, OptionalInt.of(5), vendors.toArray(String[]::new));
        List<Callable<Grant>> grants = new ArrayList<>();
        for (String vendor : vendors) {
            grants.add(() -> slots.grant(entry, vendor, 3, T0));
        }

        List<Grant> outcomes = AtOnce.run(grants);

        assertThat(outcomes).filteredOn(Grant.GRANTED::equals).hasSize(1);
        String holding = slots.slotOf(task.id()).orElseThrow();
        for (String vendor : vendors) {
            assertThat(holders(vendor)).as(vendor).isEqualTo(vendor.equals(holding) ? Map.of(task.id(), T0) : Map.of());
        }
        assertThat(slots.heldByKey("owner-a")).containsOnlyKeys(task.id());
        assertThat(entryOf(task)).isEmpty();
    }

    @Test
    void aReleaseGivesTheSlotBackHarmlesslyTwiceAndTheTaskCanBeGrantedAgain() {
        Task task = accepted("owner-a", T0);
        Waiting entry = queued(task, OptionalInt.of(1), "kling");
        assertThat(slots.grant(entry, "kling", 1, T0)).isEqualTo(Grant.GRANTED);

        slots.release(task.id(), "kling", "owner-a");

        assertThat(holders("kling")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(slots.slotOf(task.id())).isEmpty();
        slots.release(task.id(), "kling", "owner-a");
        slots.release(task.id(), "never-used", "owner-a");
        assertThat(holders("kling")).isEmpty();
        assertThat(holders("never-used")).isEmpty();

        // Back in the queue (its vendor refused it), it takes the slot again: at a cap of 1, and under a key cap of 1.
        slots.enqueue(entry);
        assertThat(slots.grant(entry, "kling", 1, T0.plusSeconds(1))).isEqualTo(Grant.GRANTED);
        assertThat(holders("kling")).isEqualTo(Map.of(task.id(), T0.plusSeconds(1)));
        assertThat(slots.slotOf(task.id())).hasValue("kling");
    }

    @Test
    void aHoldIsConfirmedAndReclaimedOnlyWhenUnchangedSinceItWasSeen() {
        Task task = accepted("owner-a", T0);
        Instant taken = T0.plusSeconds(1);
        assertThat(slots.grant(queued(task, NO_CAP, "kling"), "kling", 3, taken)).isEqualTo(Grant.GRANTED);

        assertThat(slots.reclaim("kling", "owner-a", task.id(), taken.plusMillis(1))).isFalse();
        assertThat(holders("kling")).isEqualTo(Map.of(task.id(), taken));

        Instant alive = taken.plusSeconds(120);
        slots.confirm("kling", task.id(), taken, alive);
        assertThat(holders("kling")).isEqualTo(Map.of(task.id(), alive));
        slots.confirm("kling", task.id(), taken, alive.plusSeconds(120));
        assertThat(holders("kling")).as("confirmed by someone else since").isEqualTo(Map.of(task.id(), alive));

        assertThat(slots.reclaim("kling", "owner-a", task.id(), taken)).isFalse();
        assertThat(holders("kling")).containsOnlyKeys(task.id());
        assertThat(slots.heldByKey("owner-a")).containsOnlyKeys(task.id());
        assertThat(slots.slotOf(task.id())).hasValue("kling");

        assertThat(slots.reclaim("kling", "owner-a", task.id(), alive)).isTrue();
        assertThat(holders("kling")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(slots.slotOf(task.id())).isEmpty();
        assertThat(slots.reclaim("kling", "owner-a", task.id(), alive)).isFalse();
        slots.confirm("kling", task.id(), alive, alive.plusSeconds(1));
        assertThat(holders("kling")).as("a reclaimed hold is not confirmed back").isEmpty();

        // A hold whose task item is missing: without its key, the vendor's hold is taken back.
        Task orphan = accepted("owner-b", T0.plusSeconds(2));
        assertThat(slots.grant(queued(orphan, NO_CAP, "kling"), "kling", 3, taken)).isEqualTo(Grant.GRANTED);
        assertThat(slots.reclaim("kling", null, orphan.id(), taken)).isTrue();
        assertThat(holders("kling")).isEmpty();
    }

    @Test
    void aLearnedCapShowsOnTheVendorAndHoldsUntilItLapses() {
        Task task = accepted("owner-a", T0);
        assertThat(slots.grant(queued(task, NO_CAP, "kling"), "kling", 5, T0)).isEqualTo(Grant.GRANTED);
        VendorSlots before = slots.vendor("kling");
        assertThat(before.learnedCap()).isEmpty();
        assertThat(before.learnedUntil()).isNull();
        assertThat(before.cap(5, T0)).isEqualTo(5);
        Instant until = T0.plusSeconds(60);

        slots.learnCap("kling", 1, until);

        VendorSlots learned = slots.vendor("kling");
        assertThat(learned.learnedCap()).hasValue(1);
        assertThat(learned.learnedUntil()).isEqualTo(until);
        assertThat(learned.holders()).as("learning keeps the holds").containsOnlyKeys(task.id());
        assertThat(learned.cap(5, until.minusMillis(1))).isEqualTo(1);
        assertThat(learned.cap(5, until)).isEqualTo(5);
        assertThat(learned.cap(0, T0)).as("never above the configured cap").isZero();
        // A vendor Reelay holds nothing at, unavailable: no slots for the while.
        slots.learnCap("unified", 0, until);
        assertThat(slots.vendor("unified").cap(Integer.MAX_VALUE, T0)).isZero();
        assertThat(slots.vendor("unified").holders()).isEmpty();
    }

    @Test
    void awaitSlotAnswersFalseOnceTheTaskHasLeftTheQueue() {
        Task granted = accepted("owner-a", T0);
        Task left = accepted("owner-a", T0.plusSeconds(1));
        Task never = accepted("owner-a", T0.plusSeconds(2));
        queued(granted, NO_CAP, "kling");
        assertThat(slots.awaitSlot(granted.id(), granted.createdAt(), "token-1", WAITING_STATE)).isTrue();
        assertThat(slots.grant(entryOf(granted).orElseThrow(), "kling", 3, T0)).isEqualTo(Grant.GRANTED);

        assertThat(slots.awaitSlot(granted.id(), granted.createdAt(), "token-2", WAITING_STATE)).isFalse();
        assertThat(entryOf(granted)).as("the wait makes up no entry").isEmpty();

        queued(left, NO_CAP, "kling");
        slots.leave(left.id(), left.createdAt());
        slots.leave(left.id(), left.createdAt());
        assertThat(slots.awaitSlot(left.id(), left.createdAt(), "token-3", WAITING_STATE)).isFalse();
        assertThat(slots.awaitSlot(never.id(), never.createdAt(), "token-4", WAITING_STATE)).isFalse();
        assertThat(slots.waiting(10)).isEmpty();
    }

    @Test
    void aGrantedTaskThatEndsGivesItsSlotsBackInTheSameEnd() {
        Task failed = accepted("owner-a", T0);
        Task cancelled = accepted("owner-a", T0.plusMillis(1));
        Task settled = accepted("owner-a", T0.plusMillis(2));
        for (Task task : List.of(failed, cancelled, settled)) {
            assertThat(slots.grant(queued(task, OptionalInt.of(3), "kling"), "kling", 3, T0)).isEqualTo(Grant.GRANTED);
        }
        Task next = accepted("owner-b", T0.plusMillis(3));
        Waiting nextEntry = queued(next, NO_CAP, "kling");
        assertThat(slots.grant(nextEntry, "kling", 3, T0)).isEqualTo(Grant.FULL);

        assertThat(store.markFailed(failed.id(), FAILURE, event(TimelineEvent.FAILED))).isTrue();

        assertThat(holders("kling")).containsOnlyKeys(cancelled.id(), settled.id());
        assertThat(slots.heldByKey("owner-a")).containsOnlyKeys(cancelled.id(), settled.id());
        assertThat(entryOf(failed)).isEmpty();
        assertThat(slots.grant(nextEntry, "kling", 3, T0)).as("the freed slot goes to the next").isEqualTo(Grant.GRANTED);

        assertThat(store.markCancelled(cancelled.id(), null, Quote.FREE, event(TimelineEvent.CANCELLED))).isTrue();

        assertThat(holders("kling")).containsOnlyKeys(settled.id(), next.id());
        assertThat(slots.heldByKey("owner-a")).containsOnlyKeys(settled.id());
        assertThat(entryOf(cancelled)).isEmpty();

        assertThat(store.recordProviderSubmission(settled.id(), "kling", "job-s", 60, settled.quote(), submitted("job-s"))).isTrue();
        assertThat(store.settle(settled.id(), settled.quote(), event(TimelineEvent.BILLED))).isTrue();

        assertThat(holders("kling")).containsOnlyKeys(next.id());
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(slots.heldByKey("owner-b")).containsOnlyKeys(next.id());
        assertThat(entryOf(settled)).isEmpty();
        assertThat(store.find(failed.id()).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(store.find(cancelled.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(store.find(settled.id()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }

    @Test
    void cancellingAQueuedTaskTakesItOutOfTheQueueAndTouchesNoSlot() {
        Task holder = accepted("owner-a", T0);
        assertThat(slots.grant(queued(holder, NO_CAP, "kling"), "kling", 1, T0)).isEqualTo(Grant.GRANTED);
        Task waiting = accepted("owner-b", T0.plusSeconds(1));
        Task behind = accepted("owner-c", T0.plusSeconds(2));
        queued(waiting, NO_CAP, "kling");
        queued(behind, NO_CAP, "kling");
        assertThat(slots.awaitSlot(waiting.id(), waiting.createdAt(), "token-w", WAITING_STATE)).isTrue();
        assertThat(slots.position(behind.id(), behind.createdAt())).hasValue(2);

        assertThat(store.markCancelled(waiting.id(), null, Quote.FREE, event(TimelineEvent.CANCELLED))).isTrue();

        assertThat(entryOf(waiting)).isEmpty();
        assertThat(slots.waiting(10)).extracting(Waiting::taskId).containsExactly(behind.id());
        assertThat(slots.position(behind.id(), behind.createdAt())).hasValue(1);
        assertThat(holders("kling")).containsOnlyKeys(holder.id());
        assertThat(slots.heldByKey("owner-b")).isEmpty();
        assertThat(slots.awaitSlot(waiting.id(), waiting.createdAt(), "token-w2", WAITING_STATE)).isFalse();
        assertThat(store.find(waiting.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void aSlotGrantedWhileTheTaskWasEndingGoesBackToo() {
        Task task = accepted("owner-a", T0);
        Waiting entry = queued(task, OptionalInt.of(1), "kling");
        AtomicReference<Grant> meanwhile = new AtomicReference<>();
        // A dispatch grants the task its slot after the cancel read the task, before the cancel's transaction.
        BEFORE_NEXT_TRANSACTION.set(() -> meanwhile.set(slots.grant(entry, "kling", 1, T0)));

        assertThat(store.markCancelled(task.id(), null, Quote.FREE, event(TimelineEvent.CANCELLED))).isTrue();

        assertThat(meanwhile.get()).isEqualTo(Grant.GRANTED);
        assertThat(holders("kling")).isEmpty();
        assertThat(slots.heldByKey("owner-a")).isEmpty();
        assertThat(entryOf(task)).isEmpty();
        assertThat(store.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void aRecordedSubmissionClearsThePendingOneAndOnlyTheFirstJobIsKept() {
        Task task = accepted("owner-a", T0);
        Instant since = T0.plusSeconds(1);
        assertThat(store.markSubmitting(task.id(), new PendingSubmission("kling", since))).isTrue();
        assertThat(store.find(task.id()).orElseThrow().pendingSubmission()).isEqualTo(new PendingSubmission("kling", since));

        assertThat(store.recordProviderSubmission(task.id(), "kling", "job-1", 60, task.quote(), submitted("job-1"))).isTrue();

        Task recorded = store.find(task.id()).orElseThrow();
        assertThat(recorded.pendingSubmission()).isNull();
        assertThat(recorded.providerTaskId()).isEqualTo("job-1");
        assertThat(recorded.status()).isEqualTo(TaskStatus.PROCESSING);

        // A late answer naming another job.
        assertThat(store.recordProviderSubmission(task.id(), "unified", "job-2", 30, task.quote(), submitted("job-2"))).isFalse();
        assertThat(store.markSubmitting(task.id(), new PendingSubmission("unified", since.plusSeconds(5)))).isFalse();

        Task after = store.find(task.id()).orElseThrow();
        assertThat(after.providerTaskId()).isEqualTo("job-1");
        assertThat(after.provider()).isEqualTo("kling");
        assertThat(after.estimatedSeconds()).isEqualTo(60);
        assertThat(after.pendingSubmission()).isNull();
        assertThat(after.timeline()).extracting(TimelineEvent::detail).doesNotContain("job-2");
    }

    @Test
    void aClearedSubmissionIsNoLongerPendingAndAnEndedTaskMarksNone() {
        Task task = accepted("owner-a", T0);
        assertThat(store.markSubmitting(task.id(), new PendingSubmission("kling", T0))).isTrue();

        store.clearSubmitting(task.id());

        assertThat(store.find(task.id()).orElseThrow().pendingSubmission()).isNull();
        assertThat(store.markSubmitting(task.id(), new PendingSubmission("unified", T0.plusSeconds(1)))).isTrue();
        assertThat(store.find(task.id()).orElseThrow().pendingSubmission()).isEqualTo(new PendingSubmission("unified", T0.plusSeconds(1)));

        Task ended = accepted("owner-a", T0.plusSeconds(2));
        assertThat(store.markFailed(ended.id(), FAILURE, event(TimelineEvent.FAILED))).isTrue();
        assertThat(store.markSubmitting(ended.id(), new PendingSubmission("kling", T0))).isFalse();
        assertThat(store.find(ended.id()).orElseThrow().pendingSubmission()).isNull();
    }
}
