package dev.reelay.application;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.Metric.Dimension;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.Metrics;
import dev.reelay.port.ProviderCallbacks;
import dev.reelay.port.ProviderClient;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderJob;
import dev.reelay.port.ProviderClient.VideoDownload;
import dev.reelay.port.TaskStore;
import dev.reelay.port.StagedInputs;
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
import java.util.List;
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
    private final StagedInputs inputs;
    private final PollingPolicy polling;
    private final ProviderCallbacks callbacks;
    private final Optional<URI> callbackBaseUrl;
    private final ProviderQueue queue;
    private final Clock clock;
    private final Metrics metrics;
    /** Refusals recorded on a task's timeline; later ones are only logged, so a long wait stays readable. */
    static final int MAX_REFUSAL_EVENTS = 20;

    /**
     * @param callbackBaseUrl where vendors reach {@code /callbacks/{provider}/{secret}}; empty: polling only
     */
    public VideoGenerationSteps(TaskStore store, ProviderRouter router, VideoArchive archive, StagedInputs inputs,
                                PollingPolicy polling, ProviderCallbacks callbacks, Optional<URI> callbackBaseUrl, ProviderQueue queue, Clock clock,
                                Metrics metrics) {
        this.store = store;
        this.router = router;
        this.archive = archive;
        this.inputs = inputs;
        this.polling = polling;
        this.callbacks = callbacks;
        this.callbackBaseUrl = callbackBaseUrl;
        this.queue = queue;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Hands the job to a vendor, at most once (docs/queue.md):
     * <ul>
     *   <li>the task takes a slot at the cheapest vendor able to serve it that has one free, or waits
     *   its turn in the queue ({@code queued}); only the queue's deadline fails a waiting task;</li>
     *   <li>a vendor that refuses for its own concurrency or rate limit, or is unavailable, has taken
     *   nothing: the task gives its slot back and takes its turn again, perhaps at another vendor;</li>
     *   <li>a submission whose answer never came is reconciled ({@code reconciling}): found by its
     *   external id, or by the callback on the task's own URL, and made again only where the vendor
     *   shows that it has no such job.</li>
     * </ul>
     * Once a vendor has accepted, the job stays there (a retried step reuses it).
     */
    public WorkflowState submitToProvider(WorkflowState state) {
        Task task = load(state.taskId());
        if (task.status().isTerminal()) {
            throw alreadyEnded(task);
        }
        if (task.providerTaskId() != null) {
            return submitted(task.id(), task.provider(), task.providerTaskId(), task.estimatedSeconds());
        }
        if (task.pendingSubmission() != null) {
            return reconcile(task);
        }
        List<ProviderTable.Candidate> plan = router.plan(task.request());
        List<String> candidates = plan.stream().map(ProviderTable.Candidate::name).toList();
        // Each refusal sends the task back once; a vendor that refused is shrunk, so this ends.
        for (int round = 0; round <= plan.size(); round++) {
            Optional<String> slot = queue.takeSlot(task, candidates);
            if (slot.isEmpty()) {
                return queued(task);
            }
            Optional<ProviderTable.Candidate> candidate = plan.stream().filter(c -> c.name().equals(slot.get())).findFirst();
            if (candidate.isEmpty()) {
                // The slot is at a vendor that can no longer serve this task (the configuration changed).
                queue.release(task);
                continue;
            }
            Optional<WorkflowState> outcome = submitTo(task, candidate.get());
            if (outcome.isPresent()) {
                return outcome.get();
            }
            task = load(task.id());
        }
        return queued(task);
    }

    /**
     * Submits to the vendor the task holds a slot at. Empty when that vendor took nothing (it refused
     * for its limits or was unavailable): the task is back in line.
     */
    private Optional<WorkflowState> submitTo(Task task, ProviderTable.Candidate candidate) {
        ProviderClient provider = router.client(candidate.name());
        if (!store.markSubmitting(task.id(), new PendingSubmission(candidate.name(), clock.instant()))) {
            return Optional.of(submitToProvider(WorkflowState.start(task.id())));
        }
        ProviderClient.Submission submission;
        long started = System.nanoTime();
        try {
            URI callbackUrl = callbackUrl(task, candidate.name());
            submission = provider.submit(jobOf(task, callbackUrl));
        } catch (ProviderException e) {
            vendorCall(task, candidate.name(), started, Metric.VENDOR_ERRORS, e.kind().failover() && e.kind() != ProviderErrorKind.OUTCOME_UNKNOWN);
            if (e.kind() == ProviderErrorKind.OUTCOME_UNKNOWN) {
                store.appendEvent(task.id(), new TimelineEvent(TimelineEvent.PROVIDER_SUBMISSION_UNKNOWN, clock.instant(),
                        candidate.name() + ": " + e.getLocalizedMessage()));
                LOG.warn("Task {}: {} did not answer the submission ({}); reconciling before anything is sent again",
                        task.id(), candidate.name(), e.getLocalizedMessage());
                // A request held up on the way may still land: look for the job after a pause, or as its callback comes.
                return Optional.of(WorkflowState.reconciling(task.id(), candidate.name(), polling.minWaitSeconds(),
                        callsBack(candidate.name())));
            }
            store.clearSubmitting(task.id());
            if (!e.kind().failover()) {
                throw e.asStepFailure();
            }
            router.failed(candidate.name());
            long refusals = task.timeline().stream().filter(ev -> ev.event().equals(TimelineEvent.PROVIDER_REFUSED)).count();
            if (refusals < MAX_REFUSAL_EVENTS) {
                store.appendEvent(task.id(), new TimelineEvent(TimelineEvent.PROVIDER_REFUSED, clock.instant(),
                        candidate.name() + ": " + e.getLocalizedMessage() + "; back in the queue",
                        TimelineEvent.PROVIDER_REFUSED + "#" + (refusals + 1)));
            }
            LOG.info("Task {}: {} did not take the job ({}); back in the queue", task.id(), candidate.name(), e.code());
            queue.refused(task, candidate.name(), e.kind());
            return Optional.empty();
        }
        router.succeeded(candidate.name());
        vendorCall(task, candidate.name(), started, Metric.VENDOR_JOBS_SUBMITTED, false);
        metrics.emit(MetricEvent.of(Metric.QUEUE_WAIT, queueWait(task).toMillis()).property(TaskLog.TASK_ID, task.id()).build());
        return Optional.of(accepted(task.id(), candidate.name(), provider, submission, candidate.quote(), null));
    }

    /** One submission call to a vendor: how long it took and how it ended (and whether the task moves on to another). */
    private void vendorCall(Task task, String provider, long startedNanos, Metric outcome, boolean failover) {
        MetricEvent.Builder event = MetricEvent.of(Metric.VENDOR_SUBMIT_LATENCY, (System.nanoTime() - startedNanos) / 1_000_000.0)
                .value(outcome, 1)
                .dimension(Dimension.PROVIDER, provider)
                .property(TaskLog.TASK_ID, task.id());
        if (failover) {
            event.value(Metric.FAILOVERS, 1);
        }
        metrics.emit(event.build());
    }

    /** From acceptance to now, for a task that waited in the queue; zero for one that found a slot at once. */
    private Duration queueWait(Task task) {
        boolean queued = task.timeline().stream().anyMatch(e -> e.event().equals(TimelineEvent.QUEUED));
        return queued ? Duration.between(task.createdAt(), clock.instant()) : Duration.ZERO;
    }

    /** Records the vendor job ({@link #record}); a task that ended meanwhile ends the step. */
    private WorkflowState accepted(String taskId, String providerName, ProviderClient provider, ProviderClient.Submission submission,
                                   Quote quote, String how) {
        return record(taskId, providerName, provider, submission, quote, how).orElseThrow(() -> alreadyEnded(load(taskId)));
    }

    /**
     * Records the vendor job. When the task already has another job (one found by reconciling, or
     * adopted from a callback, while this answer was under way), this one is an orphan. Empty when
     * the task has ended: the job is then stopped ({@link #stopLateJob}).
     */
    private Optional<WorkflowState> record(String taskId, String providerName, ProviderClient provider,
                                           ProviderClient.Submission submission, Quote quote, String how) {
        boolean recorded = store.recordProviderSubmission(taskId, providerName, submission.providerTaskId(),
                submission.estimatedSeconds(), quote,
                new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, clock.instant(), how == null ? providerName : providerName + " (" + how + ")"));
        Task now = load(taskId);
        if (!recorded) {
            if (now.status().isTerminal()) {
                stopLateJob(now, provider, submission.providerTaskId());
                return Optional.empty();
            }
            if (now.providerTaskId() != null && !now.providerTaskId().equals(submission.providerTaskId())) {
                orphan(now, providerName, submission.providerTaskId());
            }
            return Optional.of(submitted(taskId, now.provider(), now.providerTaskId(), now.estimatedSeconds()));
        }
        LOG.info("Task {} submitted to {} as {} (estimate {} s, {} USD)", taskId, providerName,
                submission.providerTaskId(), submission.estimatedSeconds(), quote.costUsd());
        return Optional.of(submitted(taskId, providerName, submission.providerTaskId(), submission.estimatedSeconds()));
    }

    /**
     * The task ended (its owner cancelled it) while the vendor was accepting the job: the vendor is
     * asked to stop it. The cancellation was free, so a vendor that cannot stop the job bills it to
     * us: a narrow window, logged and put on the task's timeline.
     */
    private void stopLateJob(Task ended, ProviderClient provider, String providerTaskId) {
        boolean stopped;
        try {
            stopped = provider.cancel(providerTaskId);
        } catch (ProviderException e) {
            stopped = false;
        }
        store.appendEventToEndedTask(ended.id(), new TimelineEvent(LATE_PROVIDER_JOB, clock.instant(),
                provider.name() + " " + providerTaskId + (stopped ? " stopped" : " could not be stopped")));
        LOG.warn("Task {} was {} while {} accepted it as {}; the vendor {} the job", ended.id(), ended.status().wire(),
                provider.name(), providerTaskId, stopped ? "stopped" : "could NOT stop");
    }

    /** A step that finds its task already ended (its owner cancelled it) fails for good. */
    private static PermanentFailureException alreadyEnded(Task task) {
        return new PermanentFailureException("task_already_ended", "Task " + task.id() + " is already " + task.status().wire() + ".");
    }

    /**
     * A second vendor job for a task that has one: asked to stop where the vendor can, and recorded
     * on the timeline either way (once per job).
     */
    void orphan(Task task, String providerName, String orphanJobId) {
        boolean stopped;
        try {
            stopped = router.client(providerName).cancel(orphanJobId);
        } catch (ProviderException e) {
            LOG.warn("Task {}: could not stop orphan {} job {} ({})", task.id(), providerName, orphanJobId, e.code());
            stopped = false;
        }
        TimelineEvent event = new TimelineEvent(TimelineEvent.PROVIDER_ORPHAN_JOB, clock.instant(),
                providerName + " " + orphanJobId + (stopped ? " stopped" : " could not be stopped"),
                TimelineEvent.PROVIDER_ORPHAN_JOB + "#" + orphanJobId);
        if (!store.appendEvent(task.id(), event)) {
            store.appendEventToEndedTask(task.id(), event);
        }
        LOG.warn("Task {} keeps {} job {}; a second job {} turned up and was {}", task.id(), providerName, task.providerTaskId(),
                orphanJobId, stopped ? "stopped" : "NOT stopped (the vendor may bill it)");
    }

    /**
     * A submission whose answer never came. The vendor is asked for the job by its external id where
     * it answers such a query: found, it is the task's job; not found, the job is submitted again to the
     * same vendor (the task still holds its slot there). A vendor without that query but with
     * callbacks is watched: its callback on the task's own URL names the job. A vendor with neither
     * can never show whether it has the job, so the task fails rather than risk a second one.
     */
    private WorkflowState reconcile(Task task) {
        PendingSubmission pending = task.pendingSubmission();
        ProviderClient provider = router.client(pending.provider());
        Optional<ProviderClient.Submission> found = call(() -> provider.findByExternalTaskId(task.id()));
        Quote quote = router.table().candidates(task.request()).stream().filter(c -> c.name().equals(pending.provider()))
                .map(ProviderTable.Candidate::quote).findFirst().orElse(task.quote());
        if (found.isPresent()) {
            return accepted(task.id(), pending.provider(), provider, found.get(), quote, "found by its external id");
        }
        if (provider.findsJobsByExternalTaskId()) {
            LOG.info("Task {}: {} has no job for it; submitting again", task.id(), pending.provider());
            store.clearSubmitting(task.id());
            return submitTo(load(task.id()), new ProviderTable.Candidate(router.table().profile(pending.provider()).orElseThrow(), quote))
                    .orElseGet(() -> queued(load(task.id())));
        }
        Instant giveUp = pending.since().plus(polling.deadline());
        if (callsBack(pending.provider()) && clock.instant().isBefore(giveUp)) {
            return WorkflowState.reconciling(task.id(), pending.provider(), polling.maxWaitSeconds(), true);
        }
        throw new PermanentFailureException("provider_outcome_unknown", pending.provider()
                + " never answered the submission and offers no way to look the job up, so it was not submitted again;"
                + " the task was not charged.");
    }

    /**
     * A vendor's callback on the task's own URL named a job while the task's submission had no answer:
     * once a query confirms the vendor has that job, it is the task's. Empty when the query does not
     * confirm it, or when the task has ended meanwhile (cancelled during its submission): the job is
     * then asked to stop and noted on the timeline, and the callback is no error, which the vendor would retry.
     */
    public Optional<WorkflowState> adopt(Task task, String providerName, String jobId) {
        ProviderClient provider = router.client(providerName);
        try {
            provider.query(jobId);
        } catch (ProviderException e) {
            LOG.warn("Task {}: a callback named {} job {}, which a query did not confirm ({})", task.id(), providerName, jobId, e.code());
            return Optional.empty();
        }
        Quote quote = router.table().candidates(task.request()).stream().filter(c -> c.name().equals(providerName))
                .map(ProviderTable.Candidate::quote).findFirst().orElse(task.quote());
        return record(task.id(), providerName, provider, new ProviderClient.Submission(jobId, 0), quote, "found by its callback");
    }

    /** No slot is free: the task waits its turn, unless it has waited as long as the queue allows. */
    private WorkflowState queued(Task task) {
        QueuePolicy policy = queue.policy();
        Duration waited = Duration.between(task.createdAt(), clock.instant());
        if (waited.compareTo(policy.maxWait()) >= 0) {
            throw new PermanentFailureException("queue_timeout", "No provider had a free slot for "
                    + policy.maxWait().toMinutes() + " min; the task was not charged.");
        }
        java.util.OptionalInt place = queue.position(task);
        String position = place.stream().mapToObj(p -> "position " + p).findFirst().orElse("in the queue");
        store.appendEvent(task.id(), new TimelineEvent(TimelineEvent.QUEUED, clock.instant(), position));
        place.ifPresent(p -> metrics.emit(MetricEvent.of(Metric.QUEUE_DEPTH, p).property(TaskLog.TASK_ID, task.id()).build()));
        long untilDeadline = policy.maxWait().minus(waited).toSeconds();
        return WorkflowState.queued(task.id(), (int) Math.max(1, Math.min(policy.recheck().toSeconds(), untilDeadline)));
    }

    /** The workflow step that waits for a slot: woken by a grant, or ends at once when one came meanwhile. */
    public void awaitSlot(WorkflowState state, String taskToken, String stateJson) {
        TaskLog.taskId(state.taskId());
        queue.await(state.taskId(), taskToken, stateJson);
    }

    WorkflowState submitted(String taskId, String provider, String providerTaskId, int estimate) {
        Instant deadline = clock.instant().plus(polling.deadline());
        return WorkflowState.submitted(taskId, provider, providerTaskId, polling.firstWait(estimate),
                deadline.toString(), callsBack(provider));
    }

    boolean callsBack(String provider) {
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
        return afterStatus(state, call(() -> router.client(state.provider()).query(state.providerTaskId())), TaskMetrics.VIA_POLLING);
    }

    /**
     * What the workflow does next, given where the job stands (from a check or a verified callback).
     *
     * @param via how Reelay learned it: {@link TaskMetrics#VIA_POLLING} or {@link TaskMetrics#VIA_CALLBACK}
     */
    WorkflowState afterStatus(WorkflowState state, JobStatus status, String via) {
        int checks = (state.checks() == null ? 0 : state.checks()) + 1;
        WorkflowState next = next(state, status, checks, via);
        if (WorkflowState.FAILED.equals(next.status())) {
            metrics.emit(MetricEvent.of(Metric.VENDOR_ERRORS, 1).dimension(Dimension.PROVIDER, state.provider())
                    .property(TaskLog.TASK_ID, state.taskId()).build());
        }
        if (status.isFinal()) {
            // The vendor's job has ended: its slot goes to the next task in the queue.
            store.find(state.taskId()).ifPresent(queue::release);
        }
        return next;
    }

    private WorkflowState next(WorkflowState state, JobStatus status, int checks, String via) {
        switch (status.state()) {
            case SUCCEEDED -> {
                store.appendEvent(state.taskId(), new TimelineEvent(TimelineEvent.PROVIDER_COMPLETED, now(), via));
                return state.processing(checks, 0).completed(status.videoUrl().toString());
            }
            case FAILED, CANCELLED -> {
                if (status.state() == JobState.CANCELLED && cancelRequested(state.taskId())) {
                    // Its owner is cancelling the task, which stops this workflow: not a failure.
                    return waitAgain(state, checks);
                }
                return state.processing(checks, 0).failed(new Failure(
                        status.state() == JobState.FAILED ? "provider_failed" : "provider_cancelled",
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
        long started = System.nanoTime();
        VideoDownload download = call(() -> router.client(state.provider()).download(URI.create(state.videoUrl())));
        ArchivedVideo archived;
        try (InputStream body = download.body()) {
            archived = archive.archive(state.taskId(), body, download.contentLength());
        } catch (IOException e) {
            throw new UncheckedIOException("Closing the provider's video stream of task " + state.taskId(), e);
        }
        metrics.emit(MetricEvent.of(Metric.ARCHIVE_DURATION, (System.nanoTime() - started) / 1_000_000.0)
                .property(TaskLog.TASK_ID, task.id()).build());
        metrics.emit(MetricEvent.of(Metric.ARCHIVE_BYTES, archived.bytes()).dimension(Dimension.PROVIDER, state.provider())
                .property(TaskLog.TASK_ID, task.id()).build());
        store.recordResult(state.taskId(),
                new TaskResult(archived.key(), archived.sha256Hex(), archived.bytes(), archived.durationSeconds()),
                new TimelineEvent(TimelineEvent.ARCHIVED, clock.instant(), archived.bytes() + " bytes"));
        LOG.info("Task {} archived: {} ({} bytes, {} s)", state.taskId(), archived.key(), archived.bytes(), archived.durationSeconds());
        return state;
    }

    /** Completes the task and charges its quote, exactly once. */
    public WorkflowState settleBilling(WorkflowState state) {
        Task task = load(state.taskId());
        Instant billedAt = now();
        boolean settled = store.settle(task.id(), task.quote(),
                new TimelineEvent(TimelineEvent.BILLED, billedAt, task.quote().costUsd().toPlainString() + " USD"));
        LOG.info("Task {} {} {} USD", task.id(), settled ? "billed" : "was already billed", task.quote().costUsd());
        if (settled) {
            TaskMetrics.completed(task, billedAt).forEach(metrics::emit);
        }
        return state;
    }

    /** Ends the task failed, with its reason, at no charge. */
    public WorkflowState recordFailure(WorkflowState state) {
        Failure failure = state.failure() != null ? state.failure() : FailureReason.from(state.error());
        boolean recorded = store.markFailed(state.taskId(), failure,
                new TimelineEvent(TimelineEvent.FAILED, clock.instant(), failure.code()));
        // One read of the ended task serves the log context and the queue.
        Optional<Task> ended = store.find(state.taskId());
        ended.ifPresent(TaskLog::task);
        LOG.warn("Task {} failed ({}): {}{}", state.taskId(), failure.code(), failure.message(),
                recorded ? "" : " [it had already ended]");
        if (recorded) {
            metrics.emit(MetricEvent.of(Metric.TASKS_FAILED, 1).dimension(Dimension.CODE, failure.code())
                    .property(TaskLog.TASK_ID, state.taskId()).build());
        }
        ended.ifPresent(queue::ended);
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
                inputs.presignedUrl(key, INPUT_URL_VALIDITY), () -> inputs.read(key));
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
        TaskLog.taskId(taskId);
        Task task = store.find(taskId).orElseThrow(() ->
                new PermanentFailureException("task_not_found", "Task " + taskId + " is not in the task store."));
        TaskLog.task(task);
        return task;
    }

    /** Now, to the millisecond the timeline keeps, so that metrics and timeline tell the same times. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }
}
