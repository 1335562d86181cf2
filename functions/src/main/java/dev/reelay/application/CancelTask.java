package dev.reelay.application;

import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.port.Metrics;
import dev.reelay.port.TaskStore;
import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.function.Consumer;

/**
 * {@code POST /v1/tasks/{id}/cancel}: its owner stops a task that is still pending or processing.
 * <p>
 * Charging only what the vendor charges: a task no vendor has accepted yet, or whose vendor confirms
 * it stopped the job, is cancelled free; a vendor that has the job and cannot stop it renders and
 * bills it anyway, so the task is charged its quote, billed exactly as a settlement is. The
 * cancellation is one conditional write that races the workflow's settlement and failure (exactly
 * one wins) and a vendor's acceptance (the charge is decided again when a vendor took the job in
 * between). Then the workflow is stopped and, when the task has a {@code callback_url}, a
 * webhook-only run delivers the cancelled task object.
 * <p>
 * Repeating it is harmless: a cancelled task is answered as it is (and stopping its workflow and
 * starting its webhook run are tried again, both idempotent, in case an earlier call was cut short).
 * A completed or failed task is a 409 {@code task_not_cancellable}; another owner's task is a 404.
 */
public final class CancelTask {
    private static final Logger LOG = LoggerFactory.getLogger(CancelTask.class);
    /** Pending → processing happens once and the task ends once: three decisions always suffice. */
    private static final int MAX_DECISIONS = 3;
    static final String STOP_CAUSE = "Cancelled by its owner";

    private final TaskStore store;
    private final ProviderRouter router;
    private final Workflow workflow;
    private final GetTask views;
    private final Clock clock;
    private final Metrics metrics;
    private final Consumer<Task> ended;

    public CancelTask(TaskStore store, ProviderRouter router, Workflow workflow, GetTask views, Clock clock, Metrics metrics) {
        this(store, router, workflow, views, clock, task -> { }, metrics);
    }

    /** @param ended told of each task this cancels: the queue takes it out and gives its slot to the next task */
    public CancelTask(TaskStore store, ProviderRouter router, Workflow workflow, GetTask views, Clock clock, Consumer<Task> ended,
                      Metrics metrics) {
        this.ended = ended;
        this.metrics = metrics;
        this.store = store;
        this.router = router;
        this.workflow = workflow;
        this.views = views;
        this.clock = clock;
    }

    public TaskView cancel(String ownerKeyId, String taskId) {
        for (int decision = 1; decision <= MAX_DECISIONS; decision++) {
            Task task = views.find(ownerKeyId, taskId);
            TaskLog.task(task);
            switch (task.status()) {
                case CANCELLED -> {
                    endWorkflow(task);
                    return views.view(task);
                }
                case COMPLETED, FAILED -> throw new ConflictException("task_not_cancellable",
                        "Task '" + taskId + "' has already " + task.status().wire() + "; only a pending or processing task can be cancelled.");
                default -> {
                    if (cancelled(task)) {
                        Task cancelled = views.find(ownerKeyId, taskId);
                        endWorkflow(cancelled);
                        ended.accept(cancelled);
                        return views.view(cancelled);
                    }
                    // It ended, or a vendor took the job, meanwhile: look again.
                }
            }
        }
        throw new IllegalStateException("Task " + taskId + " kept changing while being cancelled");
    }

    /** Decides the charge where the task stands and records the cancellation; false when the task moved on meanwhile. */
    private boolean cancelled(Task task) {
        Quote charge = Quote.FREE;
        String detail;
        if (task.providerTaskId() == null) {
            detail = "no provider had the job; not charged";
        } else {
            // Marked first, so that the workflow does not take the vendor's "cancelled" for a failure.
            store.appendEvent(task.id(), TimelineEvent.of(TimelineEvent.CANCEL_REQUESTED, clock.instant()));
            if (vendorStopped(task)) {
                detail = task.provider() + " stopped the job; not charged";
            } else {
                charge = task.quote();
                detail = task.provider() + " could not stop the job and bills it: charged " + charge.costUsd().toPlainString() + " USD";
            }
        }
        boolean recorded = store.markCancelled(task.id(), task.providerTaskId(), charge,
                new TimelineEvent(TimelineEvent.CANCELLED, clock.instant(), detail));
        if (recorded) {
            LOG.info("Task {} cancelled: {}", task.id(), detail);
            metrics.emit(MetricEvent.of(Metric.TASKS_CANCELLED, 1).property(TaskLog.TASK_ID, task.id()).build());
            if (charge.costMicros() > 0) {
                metrics.emit(TaskMetrics.charged(task, charge));
            }
        }
        return recorded;
    }

    /**
     * Asks the vendor to stop the job. A vendor that is unavailable or limiting right now leaves the
     * task unchanged and the caller gets a 503 to retry; any other refusal means the vendor will not
     * stop it, so it renders and bills the job.
     */
    private boolean vendorStopped(Task task) {
        try {
            return router.client(task.provider()).cancel(task.providerTaskId());
        } catch (ProviderException e) {
            if (e.retryable()) {
                throw new TransientFailureException("provider_unavailable", "The provider could not be asked to stop task '"
                        + task.id() + "' (" + e.getMessage() + "); the task is unchanged, try again.", e);
            }
            LOG.warn("Task {}: {} refused to cancel job {} ({}); it will be charged", task.id(), task.provider(),
                    task.providerTaskId(), e.getLocalizedMessage());
            return false;
        }
    }

    /** Stops the task's workflow and, when it has a callback URL, starts its webhook-only run; both idempotent. */
    private void endWorkflow(Task task) {
        try {
            workflow.stop(task.id(), STOP_CAUSE);
            if (task.request().callbackUrl() != null) {
                workflow.deliverCancellationWebhook(task.id());
            }
        } catch (RuntimeException e) {
            throw new TransientFailureException("workflow_unavailable", "Task '" + task.id()
                    + "' is cancelled and will not be charged more, but its workflow could not be stopped yet; repeat the request to finish.", e);
        }
    }
}
