package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.task.Task;
import dev.reelay.port.BatchStore;
import dev.reelay.port.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code POST /v1/batches/{id}/cancel}: records the cancel, so that no more of its requests become
 * tasks, then cancels its unfinished tasks at once, each as {@code POST /v1/tasks/{id}/cancel}
 * would (free while no vendor has the job), for as long as the API call may take. Whatever is left
 * (a very large batch) the batch's workflow cancels at its next run, and ends the batch
 * {@code cancelled}; until then the batch shows {@code cancelling}.
 */
public final class CancelBatch {
    private static final Logger LOG = LoggerFactory.getLogger(CancelBatch.class);
    /** How many tasks are cancelled at once: each cancel is a few database writes and workflow calls. */
    static final int PARALLEL_CANCELS = 8;

    private final BatchStore batches;
    private final ReadBatches reads;
    private final CancelTask cancelTask;
    private final TaskStore tasks;
    private final Clock clock;
    private final Duration budget;

    /** @param budget how long this call spends cancelling tasks before leaving the rest to the workflow */
    public CancelBatch(BatchStore batches, ReadBatches reads, CancelTask cancelTask, TaskStore tasks, Clock clock, Duration budget) {
        this.batches = batches;
        this.reads = reads;
        this.cancelTask = cancelTask;
        this.tasks = tasks;
        this.clock = clock;
        this.budget = budget;
    }

    public ReadBatches.BatchView cancel(String ownerKeyId, String batchId) {
        Batch batch = reads.find(ownerKeyId, batchId);
        if (batch.status().isTerminal()) {
            throw new ConflictException("batch_not_cancellable",
                    "Batch '" + batchId + "' has already " + batch.status().wire() + "; only a running batch can be cancelled.");
        }
        if (!batch.cancelRequested() && !batches.requestCancel(batchId)) {
            throw new ConflictException("batch_not_cancellable",
                    "Batch '" + batchId + "' ended meanwhile; only a running batch can be cancelled.");
        }
        List<String> unfinished = batches.entries(batchId).stream()
                .filter(entry -> entry.taskId() != null && !entry.isFinal()).map(BatchEntry::taskId).toList();
        int cancelled = cancelAll(cancelTask, tasks, batch, unfinished, clock, clock.instant().plus(budget));
        LOG.info("Batch {} cancel requested by {}; {} tasks cancelled at once", batchId, ownerKeyId, cancelled);
        return reads.get(ownerKeyId, batchId);
    }

    /**
     * Cancels these tasks of the batch, each as its owner would, those no vendor has yet first, several at a time: while one is being
     * cancelled, a slot another frees goes to the next task in the queue, which may well be one of this
     * batch's, so the faster they all go, the fewer reach a vendor that would then bill them. Stops
     * starting new cancels at {@code until}. Answers how many this call cancelled; shared with the
     * batch's workflow, which cancels whatever is left.
     */
    static int cancelAll(CancelTask cancelTask, TaskStore tasks, Batch batch, List<String> unfinished, Clock clock, Instant until) {
        if (unfinished.isEmpty()) {
            return 0;
        }
        // Those no vendor has yet go first: they are the ones a freed slot would go to next.
        Set<String> withAVendor = tasks.findAll(unfinished).stream()
                .filter(task -> task.provider() != null || task.pendingSubmission() != null).map(Task::id).collect(Collectors.toSet());
        Map<Boolean, List<String>> atAVendor = unfinished.stream().collect(Collectors.partitioningBy(withAVendor::contains));
        return cancelAll(cancelTask, batch, atAVendor.get(false), clock, until)
                + cancelAll(cancelTask, batch, atAVendor.get(true), clock, until);
    }

    private static int cancelAll(CancelTask cancelTask, Batch batch, List<String> taskIds, Clock clock, Instant until) {
        if (taskIds.isEmpty()) {
            return 0;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_CANCELS, taskIds.size()));
        try {
            List<Future<Boolean>> cancels = new ArrayList<>();
            for (String taskId : taskIds) {
                cancels.add(pool.submit(() -> !clock.instant().isAfter(until) && cancelTask(cancelTask, batch, taskId)));
            }
            int cancelled = 0;
            for (Future<Boolean> cancel : cancels) {
                cancelled += cancel.get() ? 1 : 0;
            }
            return cancelled;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while cancelling the tasks of batch " + batch.id(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("Cancelling a task of batch " + batch.id() + " failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Cancels one task of the batch as its owner would; a task that ended meanwhile is left as it
     * is. True when this call cancelled it. Shared with the batch's workflow.
     */
    static boolean cancelTask(CancelTask cancelTask, Batch batch, String taskId) {
        try {
            cancelTask.cancel(batch.ownerKeyId(), taskId);
            return true;
        } catch (ConflictException ended) {
            LOG.info("Batch {}: task {} not cancelled: {}", batch.id(), taskId, ended.getMessage());
            return false;
        } catch (ReelayException notNow) {
            // Transient (the vendor or the workflow engine did not answer): the workflow tries again at its next run.
            LOG.warn("Batch {}: task {} could not be cancelled now ({} {}); tried again later", batch.id(), taskId,
                    notNow.code(), notNow.getMessage());
            return false;
        }
    }
}
