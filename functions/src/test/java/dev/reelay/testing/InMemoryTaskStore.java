package dev.reelay.testing;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.usage.TaskUsage;
import dev.reelay.port.TaskPage;
import dev.reelay.port.TaskStore;
import dev.reelay.port.TaskUsages;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * An in-memory TaskStore with the same rules as the DynamoDB one, for unit tests of its users.
 * Given {@link InMemoryBudgets}, a task's end settles its reservation there as the DynamoDB store does.
 * As {@link TaskUsages}, it answers an owner's tasks of a month as DynamoDbTaskUsages reads them.
 */
public final class InMemoryTaskStore implements TaskStore, TaskUsages {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Map<String, Reservation> reservations = new ConcurrentHashMap<>();
    private final InMemoryBudgets budgets;
    public final List<String> settlements = new ArrayList<>();
    /** Tasks cancelled at a charge above zero: what the DynamoDB store bills like a settlement. */
    public final List<String> cancellationCharges = new ArrayList<>();

    public InMemoryTaskStore() {
        this(new InMemoryBudgets());
    }

    public InMemoryTaskStore(InMemoryBudgets budgets) {
        this.budgets = budgets;
    }

    @Override
    public void create(Task task, Reservation reservation) {
        if (tasks.putIfAbsent(task.id(), task) != null) {
            throw new IllegalStateException("Task exists: " + task.id());
        }
        reservations.put(task.id(), reservation);
    }

    /** The reservation the task was recorded with. */
    public Reservation reservation(String taskId) {
        return reservations.getOrDefault(taskId, Reservation.NONE);
    }

    @Override
    public Optional<Task> find(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    /** The same order, cursor and page rules as the DynamoDB store (without its read bound). */
    @Override
    public TaskPage list(String ownerKeyId, Optional<TaskStatus> status, int limit, Optional<String> cursor) {
        Optional<TaskCursor> after = cursor.map(TaskCursor::decode);
        List<Task> matching = tasks.values().stream()
                .filter(t -> t.ownerKeyId().equals(ownerKeyId))
                .filter(t -> status.map(wanted -> t.status() == wanted).orElse(true))
                .filter(t -> after.map(a -> TaskCursor.of(t).sortKey().compareTo(a.sortKey()) < 0).orElse(true))
                .sorted((a, b) -> TaskCursor.NEWEST_FIRST.compare(TaskCursor.of(a), TaskCursor.of(b)))
                .toList();
        if (matching.size() <= limit) {
            return new TaskPage(matching, Optional.empty());
        }
        List<Task> page = matching.subList(0, limit);
        return new TaskPage(page, Optional.of(TaskCursor.of(page.get(limit - 1)).encode()));
    }

    /** Every task of the owner created in the month (UTC): a running one with its reservation, an ended one with its charge. */
    @Override
    public List<TaskUsage> createdIn(String ownerKeyId, YearMonth month) {
        return tasks.values().stream()
                .filter(t -> t.ownerKeyId().equals(ownerKeyId))
                .filter(t -> YearMonth.from(t.createdAt().atOffset(ZoneOffset.UTC)).equals(month))
                .map(t -> t.status().isTerminal()
                        ? TaskUsage.ended(t.status(), t.provider(), t.request().quality(), t.charged().billedSeconds(), t.charged().costUsd())
                        : TaskUsage.running(t.status(), t.provider(), t.request().quality(), reservation(t.id())))
                .toList();
    }

    @Override
    public synchronized boolean markSubmitting(String taskId, PendingSubmission pending) {
        Task task = tasks.get(taskId);
        if (task == null || task.status().isTerminal() || task.providerTaskId() != null) {
            return false;
        }
        tasks.put(taskId, withPending(task, pending));
        return true;
    }

    @Override
    public synchronized void clearSubmitting(String taskId) {
        tasks.computeIfPresent(taskId, (id, t) -> withPending(t, null));
    }

    private static Task withPending(Task t, PendingSubmission pending) {
        return new Task(t.id(), t.ownerKeyId(), t.createdAt(), t.request(), t.imageStartKey(), t.imageEndKey(), t.status(),
                t.progress(), t.quote(), t.charged(), t.estimatedSeconds(), t.provider(), t.providerTaskId(), t.result(),
                t.failure(), t.timeline(), pending, t.batchId());
    }

    @Override
    public synchronized boolean recordProviderSubmission(String taskId, String provider, String providerTaskId, int estimatedSeconds,
                                                         Quote quote, TimelineEvent event) {
        Task current = tasks.get(taskId);
        if (current != null && current.providerTaskId() != null) {
            return false;
        }
        return update(taskId, event, t -> new Task(t.id(), t.ownerKeyId(), t.createdAt(), t.request(), t.imageStartKey(),
                t.imageEndKey(), TaskStatus.PROCESSING, t.progress(), quote, t.charged(), estimatedSeconds, provider,
                providerTaskId, t.result(), t.failure(), t.timeline(), null, t.batchId()));
    }

    @Override
    public void recordProgress(String taskId, int progress) {
        tasks.computeIfPresent(taskId, (id, t) -> t.status().isTerminal() || t.progress() >= progress ? t
                : copy(t, t.status(), progress, t.charged(), t.estimatedSeconds(), t.provider(), t.providerTaskId(), t.result(), t.failure()));
    }

    @Override
    public boolean appendEvent(String taskId, TimelineEvent event) {
        return update(taskId, event, UnaryOperator.identity());
    }

    @Override
    public synchronized boolean appendEventToEndedTask(String taskId, TimelineEvent event) {
        Task task = tasks.get(taskId);
        if (task == null || !task.status().isTerminal()
                || task.timeline().stream().anyMatch(e -> e.key().equals(event.key()))) {
            return false;
        }
        List<TimelineEvent> timeline = new ArrayList<>(task.timeline());
        timeline.add(event);
        tasks.put(taskId, new Task(task.id(), task.ownerKeyId(), task.createdAt(), task.request(), task.imageStartKey(),
                task.imageEndKey(), task.status(), task.progress(), task.quote(), task.charged(), task.estimatedSeconds(),
                task.provider(), task.providerTaskId(), task.result(), task.failure(), timeline, task.pendingSubmission(), task.batchId()));
        return true;
    }

    @Override
    public boolean recordResult(String taskId, TaskResult result, TimelineEvent event) {
        return update(taskId, event, t -> copy(t, t.status(), t.progress(), t.charged(), t.estimatedSeconds(),
                t.provider(), t.providerTaskId(), result, t.failure()));
    }

    @Override
    public synchronized boolean settle(String taskId, Quote charge, TimelineEvent event) {
        boolean settled = update(taskId, event, t -> copy(t, TaskStatus.COMPLETED, 100, charge, t.estimatedSeconds(),
                t.provider(), t.providerTaskId(), t.result(), t.failure()));
        if (settled) {
            settlements.add(taskId);
            settleReservation(taskId, charge, event);
        }
        return settled;
    }

    @Override
    public synchronized boolean markFailed(String taskId, Failure failure, TimelineEvent event) {
        boolean failed = update(taskId, event, t -> copy(t, TaskStatus.FAILED, t.progress(), t.charged(), t.estimatedSeconds(),
                t.provider(), t.providerTaskId(), t.result(), failure));
        if (failed) {
            settleReservation(taskId, Quote.FREE, event);
        }
        return failed;
    }

    private void settleReservation(String taskId, Quote charge, TimelineEvent event) {
        Reservation reservation = reservation(taskId);
        long delta = charge.costMicros() - reservation.micros();
        String month = reservation.holdsSomething() ? reservation.month() : MonthlyBudget.monthOf(event.at());
        budgets.adjust(tasks.get(taskId).ownerKeyId(), month, delta);
    }

    /** Runs {@code race} just before the next {@code markCancelled} decides: the workflow ending the task first, say. */
    public synchronized void beforeNextCancel(Runnable race) {
        this.beforeNextCancel = race;
    }

    private Runnable beforeNextCancel;

    @Override
    public synchronized boolean markCancelled(String taskId, String expectedProviderTaskId, Quote charge, TimelineEvent event) {
        Runnable race = beforeNextCancel;
        beforeNextCancel = null;
        if (race != null) {
            race.run();
        }
        Task task = tasks.get(taskId);
        if (task == null || !Objects.equals(task.providerTaskId(), expectedProviderTaskId)) {
            return false;
        }
        boolean cancelled = update(taskId, event, t -> copy(t, TaskStatus.CANCELLED, t.progress(), charge, t.estimatedSeconds(),
                t.provider(), t.providerTaskId(), t.result(), t.failure()));
        if (cancelled && charge.costUsd().signum() > 0) {
            cancellationCharges.add(taskId);
        }
        if (cancelled) {
            settleReservation(taskId, charge, event);
        }
        return cancelled;
    }

    private synchronized boolean update(String taskId, TimelineEvent event, UnaryOperator<Task> change) {
        Task task = tasks.get(taskId);
        if (task == null || task.status().isTerminal()
                || task.timeline().stream().anyMatch(e -> e.key().equals(event.key()))) {
            return false;
        }
        Task changed = change.apply(task);
        List<TimelineEvent> timeline = new ArrayList<>(changed.timeline());
        timeline.add(event);
        tasks.put(taskId, new Task(changed.id(), changed.ownerKeyId(), changed.createdAt(), changed.request(),
                changed.imageStartKey(), changed.imageEndKey(), changed.status(), changed.progress(), changed.quote(),
                changed.charged(), changed.estimatedSeconds(), changed.provider(), changed.providerTaskId(),
                changed.result(), changed.failure(), timeline, changed.pendingSubmission(), changed.batchId()));
        return true;
    }

    private static Task copy(Task t, TaskStatus status, int progress, Quote charged, int estimate, String provider,
                             String providerTaskId, TaskResult result, Failure failure) {
        return new Task(t.id(), t.ownerKeyId(), t.createdAt(), t.request(), t.imageStartKey(), t.imageEndKey(), status,
                progress, t.quote(), charged, estimate, provider, providerTaskId, result, failure, t.timeline(), t.pendingSubmission(), t.batchId());
    }
}
