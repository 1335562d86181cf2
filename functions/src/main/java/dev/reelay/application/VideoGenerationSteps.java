package dev.reelay.application;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ArchivedVideo;
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

/**
 * The steps of the video generation state machine, one method each. Every step is safe to run
 * again: the state machine retries transient failures, and the task store refuses changes to a
 * task that has already ended.
 */
public final class VideoGenerationSteps {
    private static final Logger LOG = LoggerFactory.getLogger(VideoGenerationSteps.class);
    private static final Duration INPUT_URL_VALIDITY = Duration.ofHours(1);

    private final TaskStore store;
    private final ProviderClient provider;
    private final VideoArchive archive;
    private final PollingPolicy polling;
    private final Clock clock;

    public VideoGenerationSteps(TaskStore store, ProviderClient provider, VideoArchive archive,
                                PollingPolicy polling, Clock clock) {
        this.store = store;
        this.provider = provider;
        this.archive = archive;
        this.polling = polling;
        this.clock = clock;
    }

    /** Hands the job to the provider, once: a retried step reuses the provider task it created. */
    public WorkflowState submitToProvider(WorkflowState state) {
        Task task = load(state.taskId());
        if (task.status().isTerminal()) {
            throw new PermanentFailureException("task_already_ended", "Task " + task.id() + " is already " + task.status().wire() + ".");
        }
        String providerTaskId = task.providerTaskId();
        int estimate = task.estimatedSeconds();
        if (providerTaskId == null) {
            ProviderClient.Submission submission = provider.submit(jobOf(task));
            providerTaskId = submission.providerTaskId();
            estimate = submission.estimatedSeconds();
            store.recordProviderSubmission(task.id(), provider.name(), providerTaskId, estimate,
                    new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, clock.instant(), provider.name()));
            LOG.info("Task {} submitted to {} as {} (estimate {} s)", task.id(), provider.name(), providerTaskId, estimate);
        }
        Instant deadline = clock.instant().plus(polling.deadline());
        return new WorkflowState(task.id(), provider.name(), providerTaskId, 0, polling.firstWait(estimate),
                deadline.toString(), WorkflowState.PROCESSING, null, null, null);
    }

    /** Asks the provider where the job stands, and decides: wait again, archive, or fail. */
    public WorkflowState checkStatus(WorkflowState state) {
        JobStatus status = provider.query(state.providerTaskId());
        int checks = (state.checks() == null ? 0 : state.checks()) + 1;
        switch (status.state()) {
            case SUCCEEDED -> {
                store.appendEvent(state.taskId(), TimelineEvent.of(TimelineEvent.PROVIDER_COMPLETED, clock.instant()));
                return state.processing(checks, 0).completed(status.videoUrl().toString());
            }
            case FAILED -> {
                return state.processing(checks, 0).failed(new Failure("provider_failed",
                        status.failureMessage() == null ? "The provider reported the job failed." : status.failureMessage()));
            }
            default -> {
                store.recordProgress(state.taskId(), status.progress());
                Duration remaining = Duration.between(clock.instant(), Instant.parse(state.deadline()));
                if (remaining.isNegative() || remaining.isZero() || checks >= polling.maxChecks()) {
                    return state.processing(checks, 0).failed(new Failure("generation_timed_out",
                            "The provider had not finished after " + polling.deadline().toMinutes() + " min and "
                                    + checks + " checks; the task was not charged."));
                }
                return state.processing(checks, polling.nextWait(checks, remaining));
            }
        }
    }

    /** Streams the finished video into the archive before the provider's link expires. */
    public WorkflowState archiveVideo(WorkflowState state) {
        VideoDownload download = provider.download(URI.create(state.videoUrl()));
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

    private ProviderJob jobOf(Task task) {
        URI start = archive.presignedInputUrl(task.imageStartKey(), INPUT_URL_VALIDITY);
        URI end = task.imageEndKey() == null ? null : archive.presignedInputUrl(task.imageEndKey(), INPUT_URL_VALIDITY);
        var request = task.request();
        return new ProviderJob(task.id(), request.model(), request.prompt(), request.negativePrompt(), start, end,
                request.durationSeconds(), request.quality().wire(), request.sound().wire(), request.aspectRatio());
    }

    private Task load(String taskId) {
        return store.find(taskId).orElseThrow(() ->
                new PermanentFailureException("task_not_found", "Task " + taskId + " is not in the task store."));
    }
}
