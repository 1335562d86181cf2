package dev.reelay.application;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.port.TaskStore;
import dev.reelay.port.VideoArchive;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Looks a task up for its owner; another owner's task does not exist as far as the caller can tell. */
public final class GetTask {
    private final TaskStore store;
    private final VideoArchive archive;
    private final Duration resultUrlValidity;
    private final Clock clock;

    public GetTask(TaskStore store, VideoArchive archive, Duration resultUrlValidity, Clock clock) {
        this.store = store;
        this.archive = archive;
        this.resultUrlValidity = resultUrlValidity;
        this.clock = clock;
    }

    public TaskView get(String ownerKeyId, String taskId) {
        Task task = store.find(taskId)
                .filter(found -> found.ownerKeyId().equals(ownerKeyId))
                .orElseThrow(() -> new NotFoundException("task_not_found", "No task '" + taskId + "'."));
        if (task.status() != TaskStatus.COMPLETED || task.result() == null) {
            return new TaskView(task, null, null);
        }
        Instant expiresAt = clock.instant().plus(resultUrlValidity);
        return new TaskView(task, archive.presignedUrl(task.result().archiveKey(), resultUrlValidity), expiresAt);
    }
}
