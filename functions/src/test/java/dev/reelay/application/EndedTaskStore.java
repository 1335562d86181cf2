package dev.reelay.application;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.TaskPage;
import dev.reelay.port.TaskStore;
import dev.reelay.testing.InMemoryTaskStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link InMemoryTaskStore} plus the call the webhook step needs and the port does not have yet:
 * {@code boolean appendEventToEndedTask(String taskId, TimelineEvent event)}, which appends to a
 * task that has ended (completed or failed), once per event key, and refuses (false) a task that
 * is missing or still running.
 */
final class EndedTaskStore implements TaskStore {
    final InMemoryTaskStore running = new InMemoryTaskStore();
    private final Map<String, List<TimelineEvent>> afterEnd = new ConcurrentHashMap<>();

    public synchronized boolean appendEventToEndedTask(String taskId, TimelineEvent event) {
        Optional<Task> task = find(taskId);
        if (task.isEmpty() || !task.get().status().isTerminal()
                || task.get().timeline().stream().anyMatch(e -> e.key().equals(event.key()))) {
            return false;
        }
        afterEnd.computeIfAbsent(taskId, id -> new ArrayList<>()).add(event);
        return true;
    }

    @Override
    public synchronized Optional<Task> find(String taskId) {
        return running.find(taskId).map(t -> {
            List<TimelineEvent> timeline = new ArrayList<>(t.timeline());
            timeline.addAll(afterEnd.getOrDefault(taskId, List.of()));
            return new Task(t.id(), t.ownerKeyId(), t.createdAt(), t.request(), t.imageStartKey(), t.imageEndKey(),
                    t.status(), t.progress(), t.quote(), t.charged(), t.estimatedSeconds(), t.provider(),
                    t.providerTaskId(), t.result(), t.failure(), timeline);
        });
    }

    @Override
    public void create(Task task, dev.reelay.domain.budget.Reservation reservation) {
        running.create(task, reservation);
    }

    @Override
    public boolean recordProviderSubmission(String taskId, String provider, String providerTaskId, int estimatedSeconds,
                                            Quote quote, TimelineEvent event) {
        return running.recordProviderSubmission(taskId, provider, providerTaskId, estimatedSeconds, quote, event);
    }

    @Override
    public void recordProgress(String taskId, int progress) {
        running.recordProgress(taskId, progress);
    }

    @Override
    public boolean appendEvent(String taskId, TimelineEvent event) {
        return running.appendEvent(taskId, event);
    }

    @Override
    public boolean recordResult(String taskId, TaskResult result, TimelineEvent event) {
        return running.recordResult(taskId, result, event);
    }

    @Override
    public boolean settle(String taskId, Quote charge, TimelineEvent event) {
        return running.settle(taskId, charge, event);
    }

    @Override
    public boolean markFailed(String taskId, Failure failure, TimelineEvent event) {
        return running.markFailed(taskId, failure, event);
    }

    @Override
    public TaskPage list(String ownerKeyId, Optional<TaskStatus> status, int limit, Optional<String> cursor) {
        return running.list(ownerKeyId, status, limit, cursor);
    }

    @Override
    public boolean markCancelled(String taskId, String expectedProviderTaskId, Quote charge, TimelineEvent event) {
        return running.markCancelled(taskId, expectedProviderTaskId, charge, event);
    }
}
