package dev.reelay.local.sandbox;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A task as it stands at one moment, for a dialect to render as its task JSON or callback body.
 *
 * @param estimatedTime the render delay: the least time from acceptance to {@code COMPLETED}
 * @param videoUrl      present once {@code COMPLETED}
 * @param failure       present once {@code FAILED}
 */
public record TaskSnapshot(String id, Instant createdAt, Job job, Status status, int progress, Duration estimatedTime,
                           Optional<URI> videoUrl, Optional<Failure> failure) {

    public enum Status {
        PENDING, PROCESSING, COMPLETED, FAILED,
        /** Cancelled through a dialect's cancel endpoint while pending or processing: it renders nothing more. */
        CANCELLED;

        public boolean finished() {
            return this == COMPLETED || this == FAILED || this == CANCELLED;
        }
    }

    /** Why a task failed: {@code generation_failed} when rendering broke, or a scripted late failure's code. */
    public record Failure(String code, String message) {
    }
}
