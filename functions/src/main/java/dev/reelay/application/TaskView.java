package dev.reelay.application;

import dev.reelay.domain.task.Task;

import java.net.URI;
import java.time.Instant;
import java.util.OptionalInt;

/**
 * A task as a caller sees it: with a freshly signed link to its video once it is completed, and
 * whether cancelling it now would stop the work at no charge ({@code task_info.can_cancel}), and
 * its place in the queue while it waits for a vendor slot ({@code task_info.queue_position}, 1 = next).
 */
public record TaskView(Task task, URI resultUrl, Instant resultUrlExpiresAt, boolean canCancel, OptionalInt queuePosition) {

    public TaskView(Task task, URI resultUrl, Instant resultUrlExpiresAt, boolean canCancel) {
        this(task, resultUrl, resultUrlExpiresAt, canCancel, OptionalInt.empty());
    }

    /** Without knowing which vendors can cancel: cancellable only while no vendor has the job yet. */
    public TaskView(Task task, URI resultUrl, Instant resultUrlExpiresAt) {
        this(task, resultUrl, resultUrlExpiresAt, !task.status().isTerminal() && task.provider() == null);
    }
}
