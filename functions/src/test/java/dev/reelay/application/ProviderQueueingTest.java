package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient;
import dev.reelay.port.ProviderSlots;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryProviderSlots;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.MutableClock;
import dev.reelay.testing.Providers;
import dev.reelay.testing.Queues;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The queue in front of the vendors and at-most-once submission, through the workflow steps (docs/queue.md). */
class ProviderQueueingTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final Instant start = Instant.parse("2026-12-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(start);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final FakeProvider cheap = new FakeProvider("cheap");
    private final FakeProvider pricier = new FakeProvider("pricier");
    private final ProviderTable table = new ProviderTable(List.of(Providers.profile("pricier", "0.1"), Providers.profile("cheap", "0.075")));
    private final ProviderRouter router = Providers.router(table, clock, cheap, pricier);
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryProviderSlots slots = new InMemoryProviderSlots(Queues.pendingIn(store));
    private final PollingPolicy polling = new PollingPolicy(10, 60, 2.0, Duration.ofMinutes(30), 50);
    private final Map<String, OptionalInt> keyCaps = new java.util.HashMap<>();
    private ProviderQueue queue = queue(Map.of("cheap", 2, "pricier", 1));
    private VideoGenerationSteps steps = steps();

    private ProviderQueue queue(Map<String, Integer> caps) {
        return new ProviderQueue(slots, QueuePolicy.standard(caps), List.of("pricier", "cheap"), store, workflow,
                key -> keyCaps.getOrDefault(key, OptionalInt.empty()), clock);
    }

    private VideoGenerationSteps steps() {
        InMemoryArchive archive = new InMemoryArchive();
        return new VideoGenerationSteps(store, router, archive, archive.inputs(), polling, new InMemoryProviderCallbacks(),
                Optional.empty(), queue, clock, metrics);
    }

    private String accepted(String id, String owner) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
        store.create(Task.accepted(id, owner, clock.instant(), request, "inputs/" + id + "/image_start.jpeg", null, quote));
        clock.advance(Duration.ofMillis(1));
        workflow.start(id);
        return id;
    }

    /** Caps both vendors at one slot, fills them, and queues a third task: its id. */
    private String thirdTaskWaitsBehindOneSlotPerVendor() {
        queue = queue(Map.of("cheap", 1, "pricier", 1));
        steps = steps();
        steps.submitToProvider(WorkflowState.start(accepted("task-1", "team")));
        steps.submitToProvider(WorkflowState.start(accepted("task-2", "team")));
        String waiting = accepted("task-3", "team");
        steps.submitToProvider(WorkflowState.start(waiting));
        return waiting;
    }

    private Task task(String id) {
        return store.find(id).orElseThrow();
    }

    private List<String> events(String id) {
        return task(id).timeline().stream().map(TimelineEvent::event).toList();
    }

    @Test
    void theCheapestVendorWithAFreeSlotTakesTheTaskAndAFullHouseQueues() {
        List<WorkflowState> states = new java.util.ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            states.add(steps.submitToProvider(WorkflowState.start(accepted("task-" + i, "team"))));
        }

        assertThat(states).extracting(WorkflowState::provider).containsExactly("cheap", "cheap", "pricier", null, null);
        assertThat(states.subList(3, 5)).extracting(WorkflowState::status).containsOnly(WorkflowState.QUEUED);
        assertThat(states.get(3).waitSeconds()).isEqualTo(60);
        assertThat(events("task-4")).containsExactly("accepted", "queued");
        assertThat(task("task-4").timeline().get(1).detail()).isEqualTo("position 1");
        assertThat(queue.position(task("task-5"))).hasValue(2);
        assertThat(task("task-4").status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void aFreedSlotGoesToTheOldestWaitingTaskAndWakesItsWorkflow() {
        for (int i = 1; i <= 4; i++) {
            steps.submitToProvider(WorkflowState.start(accepted("task-" + i, "team")));
        }
        steps.awaitSlot(WorkflowState.queued("task-4", 60), "token-4", "{\"taskId\":\"task-4\"}");
        assertThat(workflow.resumed).isEmpty();

        cheap.status = new ProviderClient.JobStatus(JobState.SUCCEEDED, 100, java.net.URI.create("https://v/1.mp4"), null);
        steps.checkStatus(WorkflowState.submitted("task-1", "cheap", "cheap-1", 10, start.plusSeconds(3600).toString(), false));

        assertThat(workflow.resumed).containsEntry("token-4", "{\"taskId\":\"task-4\"}");
        assertThat(slots.slotOf("task-4")).hasValue("cheap");
        assertThat(slots.slotOf("task-1")).isEmpty();
        WorkflowState woken = steps.submitToProvider(WorkflowState.start("task-4"));
        assertThat(woken.provider()).isEqualTo("cheap");
        assertThat(woken.status()).isEqualTo(WorkflowState.PROCESSING);
    }

    @Test
    void aWaitRegisteredAfterTheGrantEndsAtOnce() {
        for (int i = 1; i <= 4; i++) {
            steps.submitToProvider(WorkflowState.start(accepted("task-" + i, "team")));
        }
        queue.ended(task("task-1"));
        assertThat(slots.slotOf("task-4")).hasValue("cheap");

        steps.awaitSlot(WorkflowState.queued("task-4", 60), "late-token", "{}");

        assertThat(workflow.resumed).containsKey("late-token");
    }

    @Test
    void aKeyAtItsOwnCapIsPassedOverSoAnotherKeysTaskIsNotQueuedBehindIt() {
        queue = queue(Map.of("cheap", 3, "pricier", 3));
        steps = steps();
        keyCaps.put("busy", OptionalInt.of(2));
        for (int i = 1; i <= 10; i++) {
            steps.submitToProvider(WorkflowState.start(accepted("busy-" + i, "busy")));
        }
        WorkflowState other = steps.submitToProvider(WorkflowState.start(accepted("other-1", "other")));

        assertThat(slots.heldByKey("busy")).hasSize(2);
        assertThat(other.status()).isEqualTo(WorkflowState.PROCESSING);
        assertThat(other.provider()).isEqualTo("cheap");
        assertThat(events("other-1")).doesNotContain("queued");
    }

    @Test
    void aVendorsConcurrencyRefusalIsNoFailureTheTaskGoesBackToTheQueueAndTheVendorCountsAsSmaller() {
        queue = queue(Map.of("cheap", 5));
        steps = steps();
        String first = accepted("task-1", "team");
        steps.submitToProvider(WorkflowState.start(first));
        cheap.refusals.push(new ProviderException("cheap", ProviderErrorKind.CONCURRENCY_LIMITED, 429, "1303", "parallel limit"));
        pricier.refusals.push(new ProviderException("pricier", ProviderErrorKind.RATE_LIMITED, 429, "1302", "slow down"));

        WorkflowState second = steps.submitToProvider(WorkflowState.start(accepted("task-2", "team")));

        assertThat(second.status()).isEqualTo(WorkflowState.QUEUED);
        assertThat(events("task-2")).containsExactly("accepted", "provider_refused", "provider_refused", "queued");
        assertThat(task("task-2").status()).isEqualTo(TaskStatus.PENDING);
        assertThat(slots.vendor("cheap").cap(5, clock.instant())).isEqualTo(1);

        clock.advance(Duration.ofSeconds(61));
        WorkflowState later = steps.submitToProvider(WorkflowState.start("task-2"));
        assertThat(later.provider()).isEqualTo("cheap");
        assertThat(cheap.submitted).hasSize(2);
    }

    @Test
    void anUnavailableVendorGetsNoTaskForTheBackOffThenItsFullCapAgain() {
        queue = queue(Map.of("cheap", 5));
        steps = steps();
        cheap.refusals.push(new ProviderException("cheap", ProviderErrorKind.PROVIDER_UNAVAILABLE, 503, null, "down"));

        WorkflowState first = steps.submitToProvider(WorkflowState.start(accepted("task-1", "team")));

        assertThat(first.provider()).as("failed over at once").isEqualTo("pricier");
        assertThat(events("task-1")).containsExactly("accepted", "provider_refused", "provider_submitted");
        Duration backOff = queue.policy().refusalBackoff();
        assertThat(slots.vendor("cheap").cap(5, clock.instant(), backOff)).isZero();
        clock.advance(backOff.plusSeconds(1));
        assertThat(slots.vendor("cheap").cap(5, clock.instant(), backOff)).isEqualTo(5);
        assertThat(steps.submitToProvider(WorkflowState.start(accepted("task-2", "team"))).provider()).isEqualTo("cheap");
    }

    @Test
    void aGrantIsConditionalOnTheCapInForceSoRacingDispatchesNeverExceedALearnedCap() {
        queue = queue(Map.of("cheap", 5));
        steps = steps();
        slots.learnCap("cheap", 1, clock.instant().plusSeconds(30));

        steps.submitToProvider(WorkflowState.start(accepted("task-1", "team")));

        assertThat(slots.slotOf("task-1")).hasValue("cheap");
        assertThat(slots.lastGrantCap).isEqualTo(1);
    }

    @Test
    void aLearnedCapHoldsForTheBackOffThenGrowsBackOneSlotAtATime() {
        Duration backOff = Duration.ofSeconds(60);
        ProviderSlots.VendorSlots learned = new ProviderSlots.VendorSlots("v", Map.of(), OptionalInt.of(3), start, null);

        assertThat(learned.cap(10, start.minusSeconds(1), backOff)).isEqualTo(3);
        assertThat(learned.cap(10, start, backOff)).isEqualTo(4);
        assertThat(learned.cap(10, start.plusSeconds(125), backOff)).isEqualTo(6);
        assertThat(learned.cap(5, start.plusSeconds(600), backOff)).as("never above the configured cap").isEqualTo(5);
        assertThat(learned.cap(QueuePolicy.UNLIMITED, start.plusSeconds(600), backOff)).isEqualTo(14);
    }

    @Test
    void aTaskThatWaitedPastTheQueueDeadlineFailsUnchargedAndLeavesTheQueue() {
        String waiting = thirdTaskWaitsBehindOneSlotPerVendor();

        clock.advance(Duration.ofHours(6));
        assertThatThrownBy(() -> steps.submitToProvider(WorkflowState.start(waiting)))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("queue_timeout"));
        steps.recordFailure(new WorkflowState(waiting, null, null, null, null, null, null, null,
                new dev.reelay.domain.task.Failure("queue_timeout", "waited"), null, null, null, null, null, null));

        assertThat(task(waiting).status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task(waiting).charged().costUsd()).isZero();
        assertThat(slots.queuedTaskIds()).doesNotContain(waiting);
    }

    @Test
    void aHoldWhoseWorkflowDiedIsTakenBackAfterItsLease() {
        queue = queue(Map.of("cheap", 1, "pricier", 1));
        steps = steps();
        String dead = accepted("dead", "team");
        slots.hold("cheap", "team", dead, clock.instant());
        workflow.stopped.add(dead);
        slots.hold("pricier", "team", "alive", clock.instant());
        String alive = accepted("alive", "team");

        WorkflowState early = steps.submitToProvider(WorkflowState.start(accepted("task-1", "team")));
        assertThat(early.status()).isEqualTo(WorkflowState.QUEUED);

        clock.advance(Duration.ofMinutes(3));
        WorkflowState after = steps.submitToProvider(WorkflowState.start("task-1"));
        assertThat(after.provider()).isEqualTo("cheap");
        assertThat(slots.vendor("cheap").holders()).containsOnlyKeys("task-1");
        assertThat(slots.vendor("pricier").holders()).containsOnlyKeys(alive);
    }

    @Test
    void aSubmissionWithoutAnAnswerIsNeverRepeatedBlind() {
        String id = accepted("task-1", "team");
        cheap.refusals.push(new ProviderException("cheap", ProviderErrorKind.OUTCOME_UNKNOWN, 0, null, "read timed out"));

        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));

        assertThat(state.status()).isEqualTo(WorkflowState.RECONCILING);
        assertThat(state.provider()).isEqualTo("cheap");
        assertThat(events(id)).contains("provider_submission_unknown");
        assertThat(pricier.submitted).isEmpty();
        // A vendor that can neither be asked nor calls back (no callback URL here) cannot show the job: the task fails.
        assertThatThrownBy(() -> steps.submitToProvider(state))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("provider_outcome_unknown"));
        assertThat(cheap.submitted).isEmpty();
        assertThat(pricier.submitted).isEmpty();
    }

    @Test
    void aVendorThatAnswersLookupsIsAskedFirstThenGivenTheJobAgainOnlyWhenItHasNone() {
        cheap.findsJobs = true;
        String found = accepted("task-1", "team");
        cheap.refusals.push(new ProviderException("cheap", ProviderErrorKind.OUTCOME_UNKNOWN, 0, null, "reset"));
        steps.submitToProvider(WorkflowState.start(found));
        cheap.alreadySubmitted = new ProviderClient.Submission("cheap-held", 0);

        WorkflowState adopted = steps.submitToProvider(WorkflowState.start(found));

        assertThat(adopted.providerTaskId()).isEqualTo("cheap-held");
        assertThat(cheap.submitted).isEmpty();
        assertThat(task(found).pendingSubmission()).isNull();

        cheap.alreadySubmitted = null;
        String missing = accepted("task-2", "team");
        cheap.refusals.push(new ProviderException("cheap", ProviderErrorKind.OUTCOME_UNKNOWN, 0, null, "reset"));
        steps.submitToProvider(WorkflowState.start(missing));
        WorkflowState resubmitted = steps.submitToProvider(WorkflowState.start(missing));

        assertThat(resubmitted.provider()).isEqualTo("cheap");
        assertThat(cheap.submitted).hasSize(1);
        assertThat(pricier.submitted).isEmpty();
    }

    @Test
    void aSecondJobThatTurnsUpForATaskWithAJobIsAnOrphanStoppedWhereTheVendorCan() {
        String id = accepted("task-1", "team");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        cheap.cancels = true;

        steps.orphan(task(id), "cheap", "cheap-orphan");
        steps.orphan(task(id), "cheap", "cheap-orphan");

        assertThat(cheap.cancelRequests).contains("cheap-orphan");
        assertThat(task(id).timeline()).filteredOn(e -> e.event().equals("provider_orphan_job")).hasSize(1)
                .first().extracting(TimelineEvent::detail).isEqualTo("cheap cheap-orphan stopped");
        assertThat(task(id).providerTaskId()).isEqualTo(state.providerTaskId());
    }

    @Test
    void cancellingAQueuedTaskTakesItOutOfTheQueueForFree() {
        String waiting = thirdTaskWaitsBehindOneSlotPerVendor();
        CancelTask cancel = new CancelTask(store, router, workflow,
                new GetTask(store, new InMemoryArchive(), Duration.ofMinutes(5), clock, p -> false, queue::position), clock, queue::ended, metrics);

        TaskView view = cancel.cancel("team", waiting);

        assertThat(view.task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(view.task().charged().costUsd()).isZero();
        assertThat(slots.queuedTaskIds()).isEmpty();
        assertThat(cheap.submitted.size() + pricier.submitted.size()).isEqualTo(2);
    }
}
