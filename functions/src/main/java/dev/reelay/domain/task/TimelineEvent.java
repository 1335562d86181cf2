package dev.reelay.domain.task;

import java.time.Instant;

/**
 * One step in a task's life, e.g. {@code provider_submitted}, with an optional detail. An event
 * is recorded once per {@code key}: most events happen once, so their key is their name; events
 * that may happen several times (a provider attempt) carry a key of their own.
 */
public record TimelineEvent(String event, Instant at, String detail, String key) {
    public static final String ACCEPTED = "accepted";
    public static final String PROVIDER_SUBMITTED = "provider_submitted";
    public static final String PROVIDER_COMPLETED = "provider_completed";
    public static final String ARCHIVED = "archived";
    public static final String BILLED = "billed";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    /** Its owner asked to cancel a task a vendor had: recorded before the vendor is asked to stop. */
    public static final String CANCEL_REQUESTED = "cancel_requested";
    public static final String PROVIDER_ATTEMPT_FAILED = "provider_attempt_failed";
    /** No vendor able to serve the task had a free slot: it waits in the queue (docs/queue.md). */
    public static final String QUEUED = "queued";
    /** A vendor refused the job for its own concurrency or rate limit, or was unavailable: back to the queue. */
    public static final String PROVIDER_REFUSED = "provider_refused";
    /** A submission's answer never came: the vendor is asked, or watched, before anything is submitted again. */
    public static final String PROVIDER_SUBMISSION_UNKNOWN = "provider_submission_unknown";
    /** A second vendor job turned up for a task that already has one: cancelled where the vendor can. */
    public static final String PROVIDER_ORPHAN_JOB = "provider_orphan_job";
    /** A vendor's callback resumed the workflow. */
    public static final String PROVIDER_CALLBACK = "provider_callback";

    public TimelineEvent(String event, Instant at, String detail) {
        this(event, at, detail, event);
    }

    public static TimelineEvent of(String event, Instant at) {
        return new TimelineEvent(event, at, null);
    }
}
