package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/** POST /v1/tasks/{id}/cancel: charging only what the vendor charges, once, whoever wins the race. */
class CancelTaskTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final Instant now = Instant.parse("2026-11-23T01:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final FakeProvider vendor = new FakeProvider("vendor");
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final GetTask views = new GetTask(store, new InMemoryArchive(), Duration.ofMinutes(10), clock, name -> vendor.cancels);
    private final CancelTask cancelTask = new CancelTask(store, Providers.router(vendor), workflow, views, clock, metrics);

    private Task accepted(String id, String owner, String callbackUrl) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, callbackUrl, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
        Task task = Task.accepted(id, owner, now, request, "inputs/" + id + "/image_start.jpeg", null, quote);
        store.create(task);
        return task;
    }

    private Task atVendor(String id) {
        Task task = accepted(id, "owner-1", null);
        store.recordProviderSubmission(id, "vendor", "vendor-job-" + id, 30, task.quote(),
                new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, now, "vendor"));
        return store.find(id).orElseThrow();
    }

    private static java.util.List<String> events(Task task) {
        return task.timeline().stream().map(TimelineEvent::event).toList();
    }

    @Test
    void aTaskNoVendorHasYetIsCancelledFreeWithoutAskingAnyVendor() {
        accepted("task-1", "owner-1", null);

        TaskView view = cancelTask.cancel("owner-1", "task-1");

        assertThat(view.task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(view.task().charged()).isEqualTo(Quote.FREE);
        assertThat(view.canCancel()).isFalse();
        assertThat(vendor.cancelRequests).isEmpty();
        assertThat(events(view.task())).containsExactly("accepted", "cancelled");
        assertThat(workflow.stopped).containsExactly("task-1");
        assertThat(workflow.cancellationWebhooks).isEmpty();
        assertThat(store.cancellationCharges).isEmpty();
        Map<String, Object> json = TaskRepresentation.of(view);
        assertThat(json.get("status")).isEqualTo("cancelled");
        Map<?, ?> usage = (Map<?, ?>) json.get("usage");
        assertThat(usage.get("charged")).isEqualTo(false);
        assertThat(usage.get("billed_seconds")).isEqualTo(0);
    }

    @Test
    void aVendorThatStopsTheJobMeansNoCharge() {
        Task task = atVendor("task-2");
        vendor.cancels = true;

        TaskView view = cancelTask.cancel("owner-1", task.id());

        assertThat(vendor.cancelRequests).containsExactly("vendor-job-task-2");
        assertThat(view.task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(view.task().charged()).isEqualTo(Quote.FREE);
        assertThat(events(view.task())).containsExactly("accepted", "provider_submitted", "cancel_requested", "cancelled");
        assertThat(view.task().timeline().get(3).detail()).contains("vendor stopped the job; not charged");
        assertThat(store.cancellationCharges).isEmpty();
    }

    @Test
    void aVendorThatCannotStopTheJobBillsItSoTheTaskIsChargedItsQuote() {
        Task task = atVendor("task-3");
        vendor.cancels = false;

        TaskView view = cancelTask.cancel("owner-1", task.id());

        assertThat(view.task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(view.task().charged()).isEqualTo(task.quote());
        assertThat(store.cancellationCharges).containsExactly(task.id());
        Map<?, ?> usage = (Map<?, ?>) TaskRepresentation.of(view).get("usage");
        assertThat(usage.get("charged")).isEqualTo(true);
        assertThat(usage.get("cost_usd").toString()).isEqualTo("0.375");
    }

    @Test
    void aVendorRefusalThatIsNotTransientAlsoMeansItRendersAndBills() {
        Task task = atVendor("task-4");
        vendor.cancelRefusal = new ProviderException("vendor", ProviderErrorKind.AUTH, 401, "invalid_api_key", "bad key");

        TaskView view = cancelTask.cancel("owner-1", task.id());

        assertThat(view.task().charged()).isEqualTo(task.quote());
    }

    @Test
    void anUnavailableVendorLeavesTheTaskRunningAndAsksTheCallerToRetry() {
        Task task = atVendor("task-5");
        vendor.cancelRefusal = new ProviderException("vendor", ProviderErrorKind.PROVIDER_UNAVAILABLE, 503, null, "busy");

        assertThatThrownBy(() -> cancelTask.cancel("owner-1", task.id())).asInstanceOf(type(TransientFailureException.class))
                .satisfies(e -> assertThat(e.code()).isEqualTo("provider_unavailable"));

        Task after = store.find(task.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(workflow.stopped).isEmpty();
        vendor.cancelRefusal = null;
        vendor.cancels = true;
        assertThat(cancelTask.cancel("owner-1", task.id()).task().status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void cancellingTwiceAnswersTheSameCancelledTaskAndChargesOnce() {
        Task task = atVendor("task-6");
        TaskView first = cancelTask.cancel("owner-1", task.id());
        TaskView second = cancelTask.cancel("owner-1", task.id());

        assertThat(second.task()).isEqualTo(first.task());
        assertThat(vendor.cancelRequests).hasSize(1);
        assertThat(store.cancellationCharges).containsExactly(task.id());
        assertThat(workflow.stopped).containsExactly(task.id(), task.id());
    }

    @Test
    void aTaskWithACallbackUrlGetsItsCancellationWebhookRun() {
        accepted("task-7", "owner-1", "https://hooks.example.com/reelay");

        cancelTask.cancel("owner-1", "task-7");

        assertThat(workflow.stopped).containsExactly("task-7");
        assertThat(workflow.cancellationWebhooks).containsExactly("task-7");
    }

    @Test
    void completedAndFailedTasksAreNotCancellable() {
        Task done = atVendor("task-8");
        store.recordResult(done.id(), new TaskResult("videos/task-8.mp4", "ab", 1, 5.0), TimelineEvent.of(TimelineEvent.ARCHIVED, now));
        store.settle(done.id(), done.quote(), TimelineEvent.of(TimelineEvent.BILLED, now));
        Task failed = accepted("task-9", "owner-1", null);
        store.markFailed(failed.id(), new Failure("provider_failed", "no"), TimelineEvent.of(TimelineEvent.FAILED, now));

        for (String id : new String[]{"task-8", "task-9"}) {
            assertThatThrownBy(() -> cancelTask.cancel("owner-1", id)).asInstanceOf(type(ConflictException.class))
                    .satisfies(e -> assertThat(e.code()).isEqualTo("task_not_cancellable"));
        }
        assertThat(store.find("task-8").orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(vendor.cancelRequests).isEmpty();
        assertThat(workflow.stopped).isEmpty();
    }

    @Test
    void anotherOwnersTaskDoesNotExistForTheCaller() {
        accepted("task-10", "owner-1", null);

        assertThatThrownBy(() -> cancelTask.cancel("owner-2", "task-10")).asInstanceOf(type(NotFoundException.class))
                .satisfies(e -> assertThat(e.code()).isEqualTo("task_not_found"));
        assertThatThrownBy(() -> cancelTask.cancel("owner-1", "task-missing")).isInstanceOf(NotFoundException.class);
        assertThat(store.find("task-10").orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
        assertThat(workflow.stopped).isEmpty();
    }

    @Test
    void losingTheRaceToSettlementIsA409AndChargesNothingMore() {
        Task task = atVendor("task-11");
        store.beforeNextCancel(() -> {
            store.recordResult(task.id(), new TaskResult("videos/task-11.mp4", "ab", 1, 5.0), TimelineEvent.of(TimelineEvent.ARCHIVED, now));
            store.settle(task.id(), task.quote(), TimelineEvent.of(TimelineEvent.BILLED, now));
        });

        assertThatThrownBy(() -> cancelTask.cancel("owner-1", task.id())).isInstanceOf(ConflictException.class);

        Task after = store.find(task.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(store.settlements).containsExactly(task.id());
        assertThat(store.cancellationCharges).isEmpty();
        assertThat(workflow.stopped).isEmpty();
    }

    @Test
    void aVendorAcceptingTheJobMidCancelIsAskedToStopAndTheChargeDecidedAgain() {
        Task task = accepted("task-12", "owner-1", null);
        vendor.cancels = false;
        store.beforeNextCancel(() -> store.recordProviderSubmission(task.id(), "vendor", "vendor-job-late", 30, task.quote(),
                new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, now, "vendor")));

        TaskView view = cancelTask.cancel("owner-1", task.id());

        assertThat(vendor.cancelRequests).containsExactly("vendor-job-late");
        assertThat(view.task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(view.task().charged()).isEqualTo(task.quote());
        assertThat(store.cancellationCharges).containsExactly(task.id());
    }

    @Test
    void aWorkflowThatCannotBeStoppedYetIsA503AndARepeatFinishesTheJob() {
        accepted("task-13", "owner-1", "https://hooks.example.com/reelay");
        workflow.failNextStops(1);

        assertThatThrownBy(() -> cancelTask.cancel("owner-1", "task-13")).asInstanceOf(type(TransientFailureException.class))
                .satisfies(e -> assertThat(e.code()).isEqualTo("workflow_unavailable"));
        assertThat(store.find("task-13").orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);

        assertThat(cancelTask.cancel("owner-1", "task-13").task().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(workflow.stopped).containsExactly("task-13");
        assertThat(workflow.cancellationWebhooks).containsExactly("task-13");
    }
}
