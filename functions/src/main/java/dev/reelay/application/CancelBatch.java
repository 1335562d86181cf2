package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.port.BatchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code POST /v1/batches/{id}/cancel}: records the cancel, so that no more of its requests become
 * tasks, then cancels its unfinished tasks at once, each as {@code POST /v1/tasks/{id}/cancel}
 * would (free while no vendor has the job), for as long as the API call may take. Whatever is left
 * (a very large batch) the batch's workflow cancels at its next run, and ends the batch
 * {@code cancelled}; until then the batch shows {@code cancelling}.
 */
public final class CancelBatch {
    private static final Logger LOG = LoggerFactory.getLogger(CancelBatch.class);

    private final BatchStore batches;
    private final ReadBatches reads;
    private final CancelTask cancelTask;
    private final Clock clock;
    private final Duration budget;

    /** @param budget how long this call spends cancelling tasks before leaving the rest to the workflow */
    public CancelBatch(BatchStore batches, ReadBatches reads, CancelTask cancelTask, Clock clock, Duration budget) {
        this.batches = batches;
        this.reads = reads;
        this.cancelTask = cancelTask;
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
        Instant until = clock.instant().plus(budget);
        int cancelled = 0;
        for (BatchEntry entry : batches.entries(batchId)) {
            if (clock.instant().isAfter(until)) {
                LOG.info("Batch {}: {} tasks cancelled in this call; its workflow cancels the rest", batchId, cancelled);
                break;
            }
            if (entry.taskId() != null && !entry.isFinal() && cancelTask(cancelTask, batch, entry.taskId())) {
                cancelled++;
            }
        }
        LOG.info("Batch {} cancel requested by {}; {} tasks cancelled at once", batchId, ownerKeyId, cancelled);
        return reads.get(ownerKeyId, batchId);
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
