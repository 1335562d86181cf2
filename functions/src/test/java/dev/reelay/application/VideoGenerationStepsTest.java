package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.RecordingWorkflow;
import dev.reelay.testing.Queues;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient;
import dev.reelay.port.TaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The workflow's decisions: submit once, back off, stop at the deadline, fail without charging. */
class VideoGenerationStepsTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final FakeProvider provider = new FakeProvider("cheap");
    private final FakeProvider pricier = new FakeProvider("pricier");
    private final Instant now = Instant.parse("2026-11-23T01:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final PollingPolicy polling = new PollingPolicy(10, 60, 2.0, Duration.ofMinutes(30), 5);
    private final ProviderTable table = new ProviderTable(List.of(Providers.profile("pricier", "0.1"), Providers.profile("cheap", "0.075")));
    private final InMemoryArchive archive = new InMemoryArchive();
    private final ProviderRouter router = Providers.router(table, clock, provider, pricier);
    private final VideoGenerationSteps steps = new VideoGenerationSteps(store, router,
            archive, archive.inputs(), polling, new InMemoryProviderCallbacks(), java.util.Optional.empty(),
            Queues.open(store, router, new RecordingWorkflow(), clock), clock, metrics);

    private String accepted(String id) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
        store.create(Task.accepted(id, "default", now, request, "inputs/" + id + "/image_start.jpeg", null, quote));
        return id;
    }

    @Test
    void aRetriedSubmissionReusesTheProviderTaskItCreated() {
        String id = accepted("task-1");
        WorkflowState first = steps.submitToProvider(WorkflowState.start(id));
        WorkflowState again = steps.submitToProvider(WorkflowState.start(id));

        assertThat(provider.submitted).hasSize(1);
        assertThat(again.providerTaskId()).isEqualTo(first.providerTaskId());
        assertThat(first.waitSeconds()).isEqualTo(30);
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void checksBackOffFromTheMinimumToTheMaximum() {
        String id = accepted("task-2");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        provider.status = new JobStatus(JobState.RUNNING, 10, null, null);
        state = steps.checkStatus(state);
        assertThat(state.waitSeconds()).isEqualTo(10);
        state = steps.checkStatus(state);
        assertThat(state.waitSeconds()).isEqualTo(20);
        state = steps.checkStatus(state);
        assertThat(state.waitSeconds()).isEqualTo(40);
        state = steps.checkStatus(state);
        assertThat(state.waitSeconds()).isEqualTo(60);
        assertThat(state.status()).isEqualTo(WorkflowState.PROCESSING);
    }

    @Test
    void givesUpAfterTheLastCheckWithAClearReason() {
        String id = accepted("task-3");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        for (int i = 0; i < polling.maxChecks(); i++) {
            state = steps.checkStatus(state);
        }
        assertThat(state.status()).isEqualTo(WorkflowState.FAILED);
        assertThat(state.failure().code()).isEqualTo("generation_timed_out");

        steps.recordFailure(state);
        Task task = store.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.charged().costUsd()).isZero();
        assertThat(store.settlements).isEmpty();
    }

    @Test
    void givesUpAtTheDeadline() {
        String id = accepted("task-4");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        WorkflowState late = WorkflowState.submitted(id, state.provider(), state.providerTaskId(), 10,
                now.minusSeconds(1).toString(), false).processing(1, 10);
        assertThat(steps.checkStatus(late).failure().code()).isEqualTo("generation_timed_out");
    }

    @Test
    void aProviderFailureEndsTheTaskWithTheProvidersMessage() {
        String id = accepted("task-5");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        provider.status = new JobStatus(JobState.FAILED, 30, null, "content policy violation");
        WorkflowState failed = steps.recordFailure(steps.checkStatus(state));
        assertThat(failed.failure().message()).isEqualTo("content policy violation");
        assertThat(store.find(id).orElseThrow().failure().code()).isEqualTo("provider_failed");
    }

    @Test
    void anUnavailableCheapestVendorFailsOverToTheNextAndTheTaskIsPricedThere() {
        String id = accepted("task-7");
        provider.refusals.push(new ProviderException("cheap", ProviderErrorKind.PROVIDER_UNAVAILABLE, 503, null, "cheap answered 503"));

        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));

        assertThat(state.provider()).isEqualTo("pricier");
        Task task = store.find(id).orElseThrow();
        assertThat(task.provider()).isEqualTo("pricier");
        assertThat(task.quote().costUsd()).isEqualByComparingTo("0.5");
        assertThat(task.timeline()).extracting(TimelineEvent::event)
                .containsExactly("accepted", "provider_refused", "provider_submitted");
        assertThat(task.timeline().get(1).detail()).startsWith("cheap: provider_unavailable: cheap answered 503");
    }

    @Test
    void aRefusalThatIsNotAboutAvailabilityNeverFailsOver() {
        String id = accepted("task-8");
        provider.refusals.push(new ProviderException("cheap", ProviderErrorKind.CONTENT_POLICY, 400, "1301", "blocked"));

        assertThatThrownBy(() -> steps.submitToProvider(WorkflowState.start(id)))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("provider_content_policy"));
        assertThat(pricier.submitted).isEmpty();
    }

    @Test
    void aSubmissionAnEarlierAttemptLeftPendingIsFoundByTheTaskIdNotResubmitted() {
        String id = accepted("task-10");
        // The step died while the vendor was taking the job: the submission is on record as pending.
        store.markSubmitting(id, new dev.reelay.domain.task.PendingSubmission("cheap", now));
        provider.alreadySubmitted = new ProviderClient.Submission("cheap-earlier", 12);

        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));

        assertThat(state.providerTaskId()).isEqualTo("cheap-earlier");
        assertThat(provider.submitted).isEmpty();
    }

    @Test
    void aFailedTaskCannotBeSettledAfterwards() {
        String id = accepted("task-6");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        provider.status = new JobStatus(JobState.FAILED, 30, null, "boom");
        steps.recordFailure(steps.checkStatus(state));
        steps.settleBilling(state);
        assertThat(store.settlements).isEmpty();
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
    }

    @Test
    void stepsStillInFlightWhenTheTaskIsCancelledNeitherChargeNorChangeIt() {
        String id = accepted("task-11");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        assertThat(store.markCancelled(id, state.providerTaskId(), Quote.FREE,
                new TimelineEvent(TimelineEvent.CANCELLED, now, "by its owner"))).isTrue();
        Task cancelled = store.find(id).orElseThrow();

        provider.status = new JobStatus(JobState.SUCCEEDED, 100, java.net.URI.create("https://cdn.example/v.mp4"), null);
        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        WorkflowState ready = steps.checkStatus(state);
        steps.archiveVideo(ready);
        steps.settleBilling(ready);
        steps.recordFailure(state.processing(1, 0).failed(new dev.reelay.domain.task.Failure("provider_failed", "late")));

        Task after = store.find(id).orElseThrow();
        assertThat(after).isEqualTo(cancelled);
        assertThat(after.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(after.charged()).isEqualTo(Quote.FREE);
        assertThat(after.result()).isNull();
        assertThat(after.failure()).isNull();
        assertThat(store.settlements).isEmpty();
        assertThat(archive.objects).isEmpty();
        assertThatThrownBy(() -> steps.submitToProvider(WorkflowState.start(id)))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("task_already_ended"));
        assertThat(provider.submitted).hasSize(1);
    }

    @Test
    void theVendorsCancelledWhileItsOwnerIsCancellingIsNotAFailureButAnotherWait() {
        String id = accepted("task-12");
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        provider.status = new JobStatus(JobState.CANCELLED, 40, null, null);

        assertThat(steps.checkStatus(state).failure().code()).isEqualTo("provider_cancelled");

        store.appendEvent(id, TimelineEvent.of(TimelineEvent.CANCEL_REQUESTED, now));
        WorkflowState waiting = steps.checkStatus(state);
        assertThat(waiting.status()).isEqualTo(WorkflowState.PROCESSING);
        assertThat(waiting.failure()).isNull();
        assertThat(waiting.waitSeconds()).isPositive();
    }

    @Test
    void aVendorJobAcceptedJustAsTheTaskWasCancelledIsAskedToStop() {
        String id = accepted("task-13");
        TaskStore cancelledMeanwhile = (TaskStore) java.lang.reflect.Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                new Class<?>[]{TaskStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("recordProviderSubmission")) {
                        store.markCancelled(id, null, Quote.FREE, new TimelineEvent(TimelineEvent.CANCELLED, now, "by its owner"));
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        provider.cancels = true;
        ProviderRouter racingRouter = Providers.router(table, clock, provider, pricier);
        VideoGenerationSteps racing = new VideoGenerationSteps(cancelledMeanwhile, racingRouter,
                archive, archive.inputs(), polling, new InMemoryProviderCallbacks(), java.util.Optional.empty(),
                Queues.open(cancelledMeanwhile, racingRouter, new RecordingWorkflow(), clock), clock, metrics);

        assertThatThrownBy(() -> racing.submitToProvider(WorkflowState.start(id)))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("task_already_ended"));

        assertThat(provider.cancelRequests).containsExactly("cheap-1");
        Task task = store.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(task.provider()).isNull();
        assertThat(task.timeline()).extracting(TimelineEvent::event).containsExactly("accepted", "cancelled", "provider_job_after_cancel");
        assertThat(task.timeline().get(2).detail()).isEqualTo("cheap cheap-1 stopped");
    }
}
