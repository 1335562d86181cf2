package dev.reelay.port;

/** Where a video was archived and what was archived: the proof behind a task's result. */
public record ArchivedVideo(String key, String sha256Hex, long bytes, double durationSeconds) {
}
