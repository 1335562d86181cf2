package dev.reelay.local.sandbox;

import dev.reelay.local.sandbox.TaskSnapshot.Failure;
import dev.reelay.local.sandbox.TaskSnapshot.Status;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One accepted generation. Its status is derived when asked: {@code PENDING}, then {@code PROCESSING} with
 * progress rising in steps over the render delay, then {@code COMPLETED} once the delay has passed and the
 * video is rendered, or {@code FAILED} as soon as rendering fails (a scripted late failure waits for the delay).
 * A task cancelled before it finished stays {@code CANCELLED} at the progress it had, and never shows a video.
 */
final class SandboxTask {
    static final String GENERATION_FAILED = "generation_failed";

    private final String id;
    private final Instant createdAt;
    private final long acceptedNanos = System.nanoTime();
    private final Job job;
    private final Duration renderDelay;
    private final int progressSteps;
    private final URI videoUrl;
    private volatile Path video;
    private volatile Failure failure;
    private volatile boolean failureWaitsForDelay;
    /** The progress it had when cancelled; -1 while not cancelled. */
    private volatile int cancelledAtProgress = -1;

    SandboxTask(String id, Instant createdAt, Job job, Duration renderDelay, int progressSteps, URI videoUrl) {
        this.id = id;
        this.createdAt = createdAt;
        this.job = job;
        this.renderDelay = renderDelay;
        this.progressSteps = progressSteps;
        this.videoUrl = videoUrl;
    }

    String id() {
        return id;
    }

    Job job() {
        return job;
    }

    /** The rendered file, as soon as it exists (like the aggregator's CDN, the link works before the status says so). */
    Optional<Path> video() {
        return cancelledAtProgress >= 0 ? Optional.empty() : Optional.ofNullable(video);
    }

    /** Cancels the task if it has not finished; false when it has (completed, failed or already cancelled). */
    synchronized boolean cancel() {
        TaskSnapshot now = snapshot();
        if (now.status().finished()) {
            return false;
        }
        cancelledAtProgress = now.progress();
        return true;
    }

    void rendered(Path video) {
        this.video = video;
    }

    void failed(String message) {
        this.failure = new Failure(GENERATION_FAILED, message);
    }

    /** A failure the vendor reports late, as a content-policy block: the task looks normal until its delay ends. */
    void failsAfterDelay(Failure lateFailure) {
        this.failureWaitsForDelay = true;
        this.failure = lateFailure;
    }

    TaskSnapshot snapshot() {
        int cancelledAt = cancelledAtProgress;
        if (cancelledAt >= 0) {
            return snapshot(Status.CANCELLED, cancelledAt, Optional.empty(), Optional.empty());
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - acceptedNanos);
        Failure failed = failure;
        if (failed != null && (!failureWaitsForDelay || elapsed.compareTo(renderDelay) >= 0)) {
            return snapshot(Status.FAILED, 0, Optional.empty(), Optional.of(failed));
        }
        if (video != null && elapsed.compareTo(renderDelay) >= 0) {
            return snapshot(Status.COMPLETED, 100, Optional.of(videoUrl), Optional.empty());
        }
        // The delay is cut into progressSteps + 1 slots: pending first, then one per progress value.
        double share = renderDelay.isZero() ? 1 : elapsed.toNanos() / (double) renderDelay.toNanos();
        int step = (int) Math.min(progressSteps, Math.floor(share * (progressSteps + 1)));
        Status status = step == 0 ? Status.PENDING : Status.PROCESSING;
        return snapshot(status, step * 100 / (progressSteps + 1), Optional.empty(), Optional.empty());
    }

    private TaskSnapshot snapshot(Status status, int progress, Optional<URI> url, Optional<Failure> failed) {
        return new TaskSnapshot(id, createdAt, job, status, progress, renderDelay, url, failed);
    }
}
