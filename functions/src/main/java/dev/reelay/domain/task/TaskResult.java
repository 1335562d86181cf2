package dev.reelay.domain.task;

/** The archived video behind a completed task. */
public record TaskResult(String archiveKey, String sha256Hex, long bytes, double durationSeconds) {
}
