package dev.reelay.port;

import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Durable task state and billing. Every change appends its event to the task's timeline in the
 * same write. Changes to a task that already reached a final status are refused (return false),
 * which is what makes retried workflow steps harmless.
 */
public interface TaskStore {

    /**
     * Records a newly accepted task holding a budget reservation; fails if the id exists. When the
     * task ends, {@link #settle} settles the reservation to the real charge and
     * {@link #markFailed} releases it, each in the same write as the status change.
     */
    void create(Task task, Reservation reservation);

    /** Records a newly accepted task that holds no budget reservation. */
    default void create(Task task) {
        create(task, Reservation.NONE);
    }

    Optional<Task> find(String taskId);

    /**
     * The tasks of these ids that exist, read consistently, in any order: what a batch reads of its
     * many tasks at each look, in as few calls as the store allows.
     */
    default List<Task> findAll(Collection<String> taskIds) {
        return taskIds.stream().map(this::find).flatMap(Optional::stream).toList();
    }

    /**
     * One page of an owner's tasks, newest first (by creation time, then id), optionally only those
     * with one status. {@code cursor} is a {@link TaskPage#nextCursor()} from an earlier page (an
     * {@link dev.reelay.domain.task.TaskCursor} encoding); a cursor that is not one is refused with
     * {@code invalid_cursor}. With a status, the store keeps reading until the page is full or the
     * tasks run out, so a page is short only at the end (or, on a very sparse status, after a bounded
     * amount of reading, with a cursor to go on from).
     */
    TaskPage list(String ownerKeyId, Optional<TaskStatus> status, int limit, Optional<String> cursor);

    /**
     * A job is about to be handed to {@code pending.provider()}: recorded before the call, so that a
     * call whose answer is lost is reconciled, not repeated. False when the task ended or a vendor
     * already has its job.
     */
    boolean markSubmitting(String taskId, PendingSubmission pending);

    /** The vendor answered that it did not take the job: nothing is pending any more. */
    void clearSubmitting(String taskId);

    /**
     * A provider accepted the job: pending → processing, priced at that provider's price; the pending
     * submission is cleared. False when the task ended or already has a vendor job (the caller compares).
     */
    boolean recordProviderSubmission(String taskId, String provider, String providerTaskId,
                                     int estimatedSeconds, Quote quote, TimelineEvent event);

    /** Progress reported by the provider while it renders. */
    void recordProgress(String taskId, int progress);

    /** Appends an event (e.g. {@code provider_completed}, {@code archived}) to a task still running, once per {@link TimelineEvent#key()}. */
    boolean appendEvent(String taskId, TimelineEvent event);

    /**
     * Appends an event (e.g. {@code webhook_delivered}) to a task that has ENDED (completed,
     * failed or cancelled), once per {@link TimelineEvent#key()}. Returns false when the task is missing, still
     * running, or already has that key. Nothing else of an ended task ever changes.
     */
    boolean appendEventToEndedTask(String taskId, TimelineEvent event);

    /** The video is in the archive. */
    boolean recordResult(String taskId, TaskResult result, TimelineEvent event);

    /**
     * In one transaction: the task is completed, its billing record written, its owner's usage
     * counters increased and its budget reservation settled to {@code charge}. Safe to repeat:
     * returns false, charging nothing, when already settled.
     */
    boolean settle(String taskId, Quote charge, TimelineEvent event);

    /**
     * The task failed, at no charge; its budget reservation is released in the same write, so
     * exactly once however often this is repeated or raced. Returns false when the task had
     * already ended.
     */
    boolean markFailed(String taskId, Failure failure, TimelineEvent event);

    /**
     * Its owner cancelled the task: it ends {@code cancelled}, charged {@code charge}. A charge above
     * zero is billed exactly as {@link #settle} bills (billing record and usage counters, in the same
     * transaction); a free cancellation writes neither.
     * <p>
     * Conditional on the task still running AND still being where the caller saw it:
     * {@code expectedProviderTaskId} is the vendor job the charge was decided on (null: no vendor had
     * accepted the job). It races the workflow's {@link #settle} and {@link #markFailed}, and a
     * vendor's acceptance: exactly one wins. Returns false, changing and charging nothing, when the
     * task has ended or moved to a vendor job in the meantime; the caller re-reads and decides again.
     */
    boolean markCancelled(String taskId, String expectedProviderTaskId, Quote charge, TimelineEvent event);
}
