package dev.reelay.application;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.port.TaskStore;
import dev.reelay.port.VideoArchive;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Predicate;

/** Looks a task up for its owner; another owner's task does not exist as far as the caller can tell. */
public final class GetTask {
    private final TaskStore store;
    private final VideoArchive archive;
    private final Duration resultUrlValidity;
    private final Clock clock;
    private final Predicate<String> vendorCancels;
    private final Function<Task, OptionalInt> queuePositions;

    /** Where no vendor is known to cancel its jobs: a task is then cancellable only before a vendor took it. */
    public GetTask(TaskStore store, VideoArchive archive, Duration resultUrlValidity, Clock clock) {
        this(store, archive, resultUrlValidity, clock, provider -> false);
    }

    /** @param vendorCancels whether the named vendor stops (and does not bill) a job it is asked to cancel */
    public GetTask(TaskStore store, VideoArchive archive, Duration resultUrlValidity, Clock clock, Predicate<String> vendorCancels) {
        this(store, archive, resultUrlValidity, clock, vendorCancels, task -> OptionalInt.empty());
    }

    /** @param queuePositions a waiting task's place in the queue in front of the vendors */
    public GetTask(TaskStore store, VideoArchive archive, Duration resultUrlValidity, Clock clock, Predicate<String> vendorCancels,
                   Function<Task, OptionalInt> queuePositions) {
        this.queuePositions = queuePositions;
        this.store = store;
        this.archive = archive;
        this.resultUrlValidity = resultUrlValidity;
        this.clock = clock;
        this.vendorCancels = vendorCancels;
    }

    public TaskView get(String ownerKeyId, String taskId) {
        return view(find(ownerKeyId, taskId));
    }

    /** The caller's task; 404 {@code task_not_found} for a task that is missing or another owner's. */
    Task find(String ownerKeyId, String taskId) {
        TaskLog.taskId(taskId);
        return store.find(taskId)
                .filter(found -> found.ownerKeyId().equals(ownerKeyId))
                .orElseThrow(() -> new NotFoundException("task_not_found", "No task '" + taskId + "'."));
    }

    /** The task as its owner sees it: a fresh link to a completed task's video, and whether a cancel would be free. */
    public TaskView view(Task task) {
        boolean canCancel = !task.status().isTerminal() && (task.provider() == null || vendorCancels.test(task.provider()));
        if (task.status() != TaskStatus.COMPLETED || task.result() == null) {
            OptionalInt position = task.status() == TaskStatus.PENDING ? queuePositions.apply(task) : OptionalInt.empty();
            return new TaskView(task, null, null, canCancel, position);
        }
        Instant expiresAt = clock.instant().plus(resultUrlValidity);
        return new TaskView(task, archive.presignedUrl(task.result().archiveKey(), resultUrlValidity), expiresAt, false);
    }
}
