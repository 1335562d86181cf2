package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One accepted generation. Its status is derived when asked: {@code pending}, then {@code processing} with
 * progress rising in steps over the render delay, then {@code completed} once the delay has passed and the
 * video is rendered, or {@code failed} as soon as rendering fails.
 */
final class SandboxTask {
    private final String id;
    private final long createdEpochSeconds;
    private final long acceptedNanos = System.nanoTime();
    private final GenerationRequest request;
    private final Usage usage;
    private final Duration renderDelay;
    private final int progressSteps;
    private volatile Path video;
    private volatile String failure;
    private volatile String failureCode = "generation_failed";
    private volatile boolean failureWaitsForDelay;

    SandboxTask(String id, long createdEpochSeconds, GenerationRequest request, Duration renderDelay, int progressSteps) {
        this.id = id;
        this.createdEpochSeconds = createdEpochSeconds;
        this.request = request;
        this.usage = Usage.of(request.quality(), request.sound(), request.durationSeconds());
        this.renderDelay = renderDelay;
        this.progressSteps = progressSteps;
    }

    String id() {
        return id;
    }

    GenerationRequest request() {
        return request;
    }

    Optional<Path> video() {
        return Optional.ofNullable(video);
    }

    void rendered(Path video) {
        this.video = video;
    }

    void failed(String message) {
        this.failure = message;
    }

    /** A failure the vendor reports late, as a content-policy block: the task looks normal until its delay ends. */
    void failsAfterDelay(String code, String message) {
        this.failureCode = code;
        this.failureWaitsForDelay = true;
        this.failure = message;
    }

    /** The task object as {@code GET /v1/tasks/{id}} shows it now; results link under baseUrl. */
    ObjectNode toJson(URI baseUrl) {
        Phase phase = phase();
        ObjectNode task = JsonNodeFactory.instance.objectNode();
        task.put("created", createdEpochSeconds)
                .put("id", id)
                .put("model", request.model().id)
                .put("object", "video.generation.task")
                .put("progress", phase.progress())
                .put("status", phase.status());
        task.putObject("task_info")
                .put("can_cancel", !phase.finished())
                .put("estimated_time", Math.max(1, (renderDelay.toMillis() + 999) / 1000));
        task.put("type", "video");
        task.putObject("usage")
                .put("billing_rule", "per_second")
                .put("credits_reserved", usage.creditsReserved().doubleValue())
                .put("estimated_cost", usage.estimatedCostUsd().doubleValue());
        if (phase == Phase.COMPLETED) {
            task.putArray("results").add(baseUrl + UnifiedSandbox.FILES_PATH + id + ".mp4");
        } else if (phase == Phase.FAILED) {
            task.putObject("error").put("code", failureCode).put("message", failure);
        }
        return task;
    }

    private Phase phase() {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - acceptedNanos);
        if (failure != null && (!failureWaitsForDelay || elapsed.compareTo(renderDelay) >= 0)) {
            return Phase.FAILED;
        }
        if (video != null && elapsed.compareTo(renderDelay) >= 0) {
            return Phase.COMPLETED;
        }
        // The delay is cut into progressSteps + 1 slots: pending first, then one per progress value.
        double share = renderDelay.isZero() ? 1 : elapsed.toNanos() / (double) renderDelay.toNanos();
        int step = (int) Math.min(progressSteps, Math.floor(share * (progressSteps + 1)));
        return step == 0 ? Phase.PENDING : new Phase("processing", step * 100 / (progressSteps + 1));
    }

    private record Phase(String status, int progress) {
        static final Phase PENDING = new Phase("pending", 0);
        static final Phase COMPLETED = new Phase("completed", 100);
        static final Phase FAILED = new Phase("failed", 0);

        boolean finished() {
            return this == COMPLETED || this == FAILED;
        }
    }
}
