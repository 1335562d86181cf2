package dev.reelay.port;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;

import java.util.List;
import java.util.Optional;

/**
 * Durable batches: the batch, and one entry per request that has become a task or was refused
 * (docs/batches.md). Entries are keyed by index, so writing one again is harmless: that is what
 * makes a retried step of the batch's workflow safe.
 */
public interface BatchStore {

    /** One page of an owner's batches, newest first, and the cursor of the next page. */
    record BatchPage(List<Batch> batches, Optional<String> nextCursor) {
        public BatchPage {
            batches = List.copyOf(batches);
        }
    }

    /** Records a new batch with the entries already known (a manifest's broken lines); fails if the id exists. */
    void create(Batch batch, List<BatchEntry> entries);

    Optional<Batch> find(String batchId);

    /**
     * An owner's batches, newest first. {@code cursor} is a {@link BatchPage#nextCursor()} of an
     * earlier page; anything else is refused with {@code invalid_cursor}.
     */
    BatchPage list(String ownerKeyId, int limit, Optional<String> cursor);

    /** Every entry of the batch, by index. */
    List<BatchEntry> entries(String batchId);

    /** Writes (or rewrites) the entry of its index. */
    void putEntry(String batchId, BatchEntry entry);

    /**
     * Saves what the workflow saw: status, counts, cost, end time. False, changing nothing, when the
     * batch had already ended.
     */
    boolean saveProgress(Batch batch);

    /** Its owner cancelled the batch. False when it had already ended. */
    boolean requestCancel(String batchId);

    /** Records the end-of-batch webhook's outcome ({@code delivered}, {@code gave_up}), once. */
    void recordWebhook(String batchId, String outcome);
}
