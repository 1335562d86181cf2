package dev.reelay.application;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.ProviderCallbacks;
import dev.reelay.port.ProviderClient;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.VideoDownload;
import dev.reelay.port.TaskStore;
import dev.reelay.port.VideoArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The steps of the video generation state machine, one method each. Every step is safe to run
 * again: the state machine retries transient failures, and the task store refuses changes to a
 * task that has already ended.
 * <p>
 * A task can also end outside its workflow: its owner cancels it ({@link CancelTask}), which stops
 * the execution. A step that was already running then finishes without harm: the store refuses to
 * complete, charge or fail a cancelled task, archiving is skipped, and a vendor job that was
 * accepted just as the task was cancelled is asked to stop.
 */
public final class VideoGenerationSteps {
    private static final Logger LOG = LoggerFactory.getLogger(VideoGenerationSteps.class);
    private static final Duration INPUT_URL_VALIDITY = Duration.ofHours(1);
    /** A vendor accepted the job of a task that had just been cancelled. */
    static final String LATE_PROVIDER_JOB = "provider_job_after_cancel";

    private final TaskStore store;
    private final ProviderRouter router;
    private final VideoArchive archive;
    private final PollingPolicy polling;
    private final ProviderCallbacks callbacks;
    private final Optional<URI> callbackBaseUrl;
    private final Clock clock;

    /**
     * @param callbackBaseUrl where vendors reach {@code /callbacks/{provider}/{secret}}; empty: polling only
     */
    public VideoGenerationSteps(TaskStore store, ProviderRouter router, VideoArchive archive, PollingPolicy polling,
                                ProviderCallbacks callbacks, Optional<URI> callbackBaseUrl, Clock clock) {
        this.store = store;
        this.router = router;
        this.archive = archive;
        this.polling = polling;
        this.callbacks = callbacks;
        this.callbackBaseUrl = callbackBaseUrl;
        this.clock = clock;
    }

    /**
     * Hands the job to the cheapest vendor that can serve it. A vendor that is unavailable or
     * limited before it accepted the job is recorded in the timeline and the next one is tried;
     * once a vendor has accepted, the job stays there (a retried step reuses it): failing over
     * after acceptance would pay twice.
     */
    public WorkflowState submitToProvider(WorkflowState state) {
        Task task = load(state.taskId());
        if (task.status().isTerminal()) {
            throw new PermanentFailureException("task_already_ended", "Task " + task.id() + " is already " + task.status().wire() + ".");
        }
        if (task.providerTaskId() != null) {
            return submitted(task.id(), task.provider(), task.providerTaskId(), task.estimatedSeconds());
        }
        long attempts = task.timeline().stream().filter(e -> e.event().equals(TimelineEvent.PROVIDER_ATTEMPT_FAILED)).count();
        ProviderException lastRefusal = null;
        for (ProviderTable.Candidate candidate : router.plan(task.request())) {
            ProviderClient provider = router.client(candidate.name());
            ProviderClient.Submission submission;
            try {
                URI callbackUrl = callbackUrl(task, candidate.name());
                submission = provider.findByExternalTaskId(task.id()).orElseGet(() -> provider.submit(jobOf(task, callbackUrl)));
            } catch (ProviderException e) {
                if (!e.kind().failover()) {
                    throw e.asStepFailure();
                }
                router.failed(candidate.name());
                attempts++;
                store.appendEvent(task.id(), new TimelineEvent(TimelineEvent.PROVIDER_ATTEMPT_FAILED, clock.instant(),
                        candidate.name() + ": " + e.getLocalizedMessage(), TimelineEvent.PROVIDER_ATTEMPT_FAILED + "#" + attempts));
                LOG.warn("Task {}: {} did not take the job ({}); trying the next provider", task.id(), candidate.name(), e.code());
                lastRefusal = e;
                continue;
            }
            router.succeeded(candidate.name());
            boolean recorded = store.recordProviderSubmission(task.id(), candidate.name(), submission.providerTaskId(),
                    submission.estimatedSeconds(), candidate.quote(),
                    new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, clock.instant(), candidate.name()));
            if (!recorded) {
                stopIfEnded(task.id(), provider, submission.providerTaskId());
            }
            LOG.info("Task {} submitted to {} as {} (estimate {} s, {} USD)", task.id(), candidate.name(),
                    submission.providerTaskId(), submission.estimatedSeconds(), candidate.quote().costUsd());
            return submitted(task.id(), candidate.name(), submission.providerTaskId(), submission.estimatedSeconds());
        }
        // Every vendor was unavailable: the state machine retries this step after a back-off.
        throw lastRefusal.asStepFailure();
    }

    /**
     * The task ended (its owner cancelled it) while the vendor was accepting the job: the vendor is
     * asked to stop it, and the step ends. The cancellation was free, so a vendor that cannot stop
     * the job bills it to us: a narrow window, logged and put on the task's timeline.
     */
    private void stopIfEnded(String taskId, ProviderClient provider, String providerTaskId) {
        Task now = load(taskId);
        if (!now.status().isTerminal()) {
            return;
        }
        boolean stopped;
        try {
            stopped = provider.cancel(providerTaskId);
        } catch (ProviderException e) {
            stopped = false;
        }
        store.appendEventToEndedTask(taskId, new TimelineEvent(LATE_PROVIDER_JOB, clock.instant(),
                provider.name() + " " + providerTaskId + (stopped ? " stopped" : " could not be stopped")));
        LOG.warn("Task {} was {} while {} accepted it as {}; the vendor {} the job", taskId, now.status().wire(),
                provider.name(), providerTaskId, stopped ? "stopped" : "could NOT stop");
        throw new PermanentFailureException("task_already_ended", "Task " + taskId + " is already " + now.status().wire() + ".");
    }

    private WorkflowState submitted(String taskId, String provider, String providerTaskId, int estimate) {
        Instant deadline = clock.instant().plus(polling.deadline());
        int callbackWait = callsBack(provider) ? polling.callbackWait(estimate) : 0;
        return WorkflowState.submitted(taskId, provider, providerTaskId, polling.firstWait(estimate),
                deadline.toString(), callbackWait);
    }

    private boolean callsBack(String provider) {
        return callbackBaseUrl.isPresent()
                && router.table().profile(provider).map(p -> p.can(Capability.CALLBACKS)).orElse(false);
    }

    /** The URL a vendor that calls back is given: the task's secret is its only credential. */
    private URI callbackUrl(Task task, String provider) {
        return callsBack(provider)
                ? callbackBaseUrl.get().resolve("/callbacks/" + provider + "/" + callbacks.secretFor(task.id())) : null;
    }

    /** Asks the provider where the job stands, and decides: wait again, archive, or fail. */
    public WorkflowState checkStatus(WorkflowState state) {
        return afterStatus(state, call(() -> router.client(state.provider()).query(state.providerTaskId())));
    }

    /** What the workflow does next, given where the job stands (from a check or a verified callback). */
    WorkflowState afterStatus(WorkflowState state, JobStatus status) {
        int checks = (state.checks() == null ? 0 : state.checks()) + 1;
        switch (status.state()) {
            case SUCCEEDED -> {
                store.appendEvent(state.taskId(), TimelineEvent.of(TimelineEvent.PROVIDER_COMPLETED, clock.instant()));
                return state.processing(checks, 0).completed(status.videoUrl().toString());
            }
            case FAILED, CANCELLED -> {
                if (status.state() == JobStatus.State.CANCELLED && cancelRequested(state.taskId())) {
                    // Its owner is cancelling the task, which stops this workflow: not a failure.
                    return waitAgain(state, checks);
                }
                return state.processing(checks, 0).failed(new Failure(
                        status.state() == JobStatus.State.FAILED ? "provider_failed" : "provider_cancelled",
                        status.failureMessage() == null ? "The provider reported the job " + status.state().name().toLowerCase(java.util.Locale.ROOT) + "."
                                : status.failureMessage()));
            }
            default -> {
                store.recordProgress(state.taskId(), status.progress());
                return waitAgain(state, checks);
            }
        }
    }

    /** Another wait before the next check, unless the deadline or the last check has come. */
    private WorkflowState waitAgain(WorkflowState state, int checks) {
        Duration remaining = Duration.between(clock.instant(), Instant.parse(state.deadline()));
        if (remaining.isNegative() || remaining.isZero() || checks >= polling.maxChecks()) {
            return state.processing(checks, 0).failed(new Failure("generation_timed_out",
                    "The provider had not finished after " + polling.deadline().toMinutes() + " min and "
                            + checks + " checks; the task was not charged."));
        }
        return state.processing(checks, polling.nextWait(checks, remaining));
    }

    private boolean cancelRequested(String taskId) {
        Task task = load(taskId);
        return !task.status().isTerminal()
                && task.timeline().stream().anyMatch(event -> event.event().equals(TimelineEvent.CANCEL_REQUESTED));
    }

    /** Streams the finished video into the archive before the provider's link expires. */
    public WorkflowState archiveVideo(WorkflowState state) {
        Task task = load(state.taskId());
        if (task.status().isTerminal()) {
            LOG.info("Task {} is already {}: its video is not archived", task.id(), task.status().wire());
            return state;
        }
        VideoDownload download = call(() -> router.client(state.provider()).download(URI.create(state.videoUrl())));
        ArchivedVideo archived;
        try (InputStream body = download.body()) {
            archived = archive.archive(state.taskId(), body, download.contentLength());
        } catch (IOException e) {
            throw new UncheckedIOException("Closing the provider's video stream of task " + state.taskId(), e);
        }
        store.recordResult(state.taskId(),
                new TaskResult(archived.key(), archived.sha256Hex(), archived.bytes(), archived.durationSeconds()),
                new TimelineEvent(TimelineEvent.ARCHIVED, clock.instant(), archived.bytes() + " bytes"));
        LOG.info("Task {} archived: {} ({} bytes, {} s)", state.taskId(), archived.key(), archived.bytes(), archived.durationSeconds());
        return state;
    }

    /** Completes the task and charges its quote, exactly once. */
    public WorkflowState settleBilling(WorkflowState state) {
        Task task = load(state.taskId());
        boolean settled = store.settle(task.id(), task.quote(),
                new TimelineEvent(TimelineEvent.BILLED, clock.instant(), task.quote().costUsd().toPlainString() + " USD"));
        LOG.info("Task {} {} {} USD", task.id(), settled ? "billed" : "was already billed", task.quote().costUsd());
        return state;
    }

    /** Ends the task failed, with its reason, at no charge. */
    public WorkflowState recordFailure(WorkflowState state) {
        Failure failure = state.failure() != null ? state.failure() : FailureReason.from(state.error());
        boolean recorded = store.markFailed(state.taskId(), failure,
                new TimelineEvent(TimelineEvent.FAILED, clock.instant(), failure.code()));
        LOG.warn("Task {} failed ({}): {}{}", state.taskId(), failure.code(), failure.message(),
                recorded ? "" : " [it had already ended]");
        return state.failed(failure);
    }

    private ProviderJob jobOf(Task task, URI callbackUrl) {
        var request = task.request();
        return new ProviderJob(task.id(), request.model(), request.prompt(), request.negativePrompt(),
                image(task.imageStartKey()), image(task.imageEndKey()), request.durationSeconds(),
                request.quality().wire(), request.sound().wire(), request.aspectRatio(), callbackUrl, request.modelParams());
    }

    private ProviderClient.ProviderImage image(String key) {
        return key == null ? null : new ProviderClient.ProviderImage(
                archive.presignedInputUrl(key, INPUT_URL_VALIDITY), () -> archive.readInput(key));
    }

    /** Runs a provider call, turning a refusal into what the state machine retries or ends on. */
    private static <T> T call(java.util.function.Supplier<T> providerCall) {
        try {
            return providerCall.get();
        } catch (ProviderException e) {
            throw e.asStepFailure();
        }
    }

    private Task load(String taskId) {
        return store.find(taskId).orElseThrow(() ->
                new PermanentFailureException("task_not_found", "Task " + taskId + " is not in the task store."));
    }
}
