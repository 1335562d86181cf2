package dev.reelay.domain.task;

import java.time.Instant;

/** One step in a task's life, e.g. {@code provider_submitted}, with an optional detail. */
public record TimelineEvent(String event, Instant at, String detail) {
    public static final String ACCEPTED = "accepted";
    public static final String PROVIDER_SUBMITTED = "provider_submitted";
    public static final String PROVIDER_COMPLETED = "provider_completed";
    public static final String ARCHIVED = "archived";
    public static final String BILLED = "billed";
    public static final String FAILED = "failed";

    public static TimelineEvent of(String event, Instant at) {
        return new TimelineEvent(event, at, null);
    }
}
