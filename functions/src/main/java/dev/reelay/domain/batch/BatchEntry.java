package dev.reelay.domain.batch;

import dev.reelay.domain.task.TaskStatus;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * What became of one request of a batch, by its index (from 0): the task made for it, or why it
 * was refused. Once its task has ended, the entry keeps the outcome ({@code state}, cost, archived
 * video), so a batch reads no ended task twice. {@code refusal} is set only for a refused request;
 * a failed task's own error is in {@code refusal} too once it has ended, for the results file.
 */
public record BatchEntry(int index, String taskId, State state, Refusal refusal, BigDecimal costUsd, String videoUri) {

    /** A request's state in the batch: its task's status, or {@code refused}. */
    public enum State {
        PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED, REFUSED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean isFinal() {
            return this != PENDING && this != PROCESSING;
        }

        public static State of(TaskStatus status) {
            return valueOf(status.name());
        }

        public static State fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** The error object of a refused request (as the single API would answer it), or of a failed task. */
    public record Refusal(String code, String message, String param) {
    }

    /** A request that became a task, which has not ended yet. */
    public static BatchEntry created(int index, String taskId) {
        return new BatchEntry(index, taskId, State.PENDING, null, BigDecimal.ZERO, null);
    }

    /** A request that never became a task. */
    public static BatchEntry refused(int index, Refusal refusal) {
        return new BatchEntry(index, null, State.REFUSED, refusal, BigDecimal.ZERO, null);
    }

    /** A request the batch's cancel reached before its task was created: it never will be. */
    public static BatchEntry cancelledBeforeCreation(int index) {
        return new BatchEntry(index, null, State.CANCELLED, null, BigDecimal.ZERO, null);
    }

    /** This entry once its task has ended: its final state, what it was charged, its video's S3 URI (if any) and its error (if any). */
    public BatchEntry ended(TaskStatus status, BigDecimal charged, String video, Refusal error) {
        return new BatchEntry(index, taskId, State.of(status), error, charged, video);
    }

    public boolean isFinal() {
        return state.isFinal();
    }
}
