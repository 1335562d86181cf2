package dev.reelay.testing;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.port.BatchStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory BatchStore with the same rules as the DynamoDB one: a batch is created once; its
 * entries are keyed (and read back) by index; progress and a cancel change nothing once the batch
 * has ended; the webhook's outcome is recorded once; an owner's list runs newest first (creation
 * time to the millisecond, then id) with the same opaque cursor.
 */
public final class InMemoryBatchStore implements BatchStore {
    private final Map<String, Batch> batches = new ConcurrentHashMap<>();
    private final Map<String, TreeMap<Integer, BatchEntry>> entries = new ConcurrentHashMap<>();
    /** Every entry write, in order, as (batch id, entry): what a test counts to see nothing written twice. */
    public final List<Map.Entry<String, BatchEntry>> entryWrites = new ArrayList<>();
    private int entryWriteFailuresLeft;

    /** The next {@code times} entry writes fail, as a throttled table would; nothing is written. */
    public synchronized void failNextEntryWrites(int times) {
        entryWriteFailuresLeft = times;
    }

    @Override
    public synchronized void create(Batch batch, List<BatchEntry> initial) {
        if (batches.putIfAbsent(batch.id(), batch) != null) {
            throw new IllegalStateException("Batch exists: " + batch.id());
        }
        entries.put(batch.id(), new TreeMap<>());
        initial.forEach(entry -> putEntry(batch.id(), entry));
    }

    @Override
    public Optional<Batch> find(String batchId) {
        return Optional.ofNullable(batches.get(batchId));
    }

    @Override
    public BatchPage list(String ownerKeyId, int limit, Optional<String> cursor) {
        Optional<TaskCursor> after = cursor.map(TaskCursor::decode);
        List<Batch> matching = batches.values().stream()
                .filter(b -> b.ownerKeyId().equals(ownerKeyId))
                .filter(b -> after.map(a -> position(b).sortKey().compareTo(a.sortKey()) < 0).orElse(true))
                .sorted((a, b) -> TaskCursor.NEWEST_FIRST.compare(position(a), position(b)))
                .toList();
        if (matching.size() <= limit) {
            return new BatchPage(matching, Optional.empty());
        }
        List<Batch> page = matching.subList(0, limit);
        return new BatchPage(page, Optional.of(position(page.get(limit - 1)).encode()));
    }

    private static TaskCursor position(Batch batch) {
        return new TaskCursor(batch.createdAt(), batch.id());
    }

    @Override
    public synchronized List<BatchEntry> entries(String batchId) {
        TreeMap<Integer, BatchEntry> byIndex = entries.get(batchId);
        return byIndex == null ? List.of() : List.copyOf(byIndex.values());
    }

    @Override
    public synchronized void putEntry(String batchId, BatchEntry entry) {
        if (entryWriteFailuresLeft > 0) {
            entryWriteFailuresLeft--;
            throw new TransientFailureException("store_unavailable", "The entry " + entry.index() + " of batch " + batchId
                    + " could not be written: the table is throttled");
        }
        entries.computeIfAbsent(batchId, id -> new TreeMap<>()).put(entry.index(), entry);
        entryWrites.add(Map.entry(batchId, entry));
    }

    /** Status, counts, cost and end time, as the workflow saw them; its cancel and webhook stay as recorded. */
    @Override
    public synchronized boolean saveProgress(Batch batch) {
        Batch stored = batches.get(batch.id());
        if (stored == null || stored.status().isTerminal()) {
            return false;
        }
        batches.put(batch.id(), new Batch(stored.id(), stored.ownerKeyId(), stored.createdAt(), batch.status(),
                stored.cancelRequested(), batch.counts(), batch.costUsd(), stored.callbackUrl(), stored.metadata(),
                stored.manifest(), batch.completedAt() != null ? batch.completedAt() : stored.completedAt(), stored.webhook()));
        return true;
    }

    @Override
    public synchronized boolean requestCancel(String batchId) {
        Batch stored = batches.get(batchId);
        if (stored == null || stored.status().isTerminal()) {
            return false;
        }
        batches.put(batchId, new Batch(stored.id(), stored.ownerKeyId(), stored.createdAt(), stored.status(), true,
                stored.counts(), stored.costUsd(), stored.callbackUrl(), stored.metadata(), stored.manifest(),
                stored.completedAt(), stored.webhook()));
        return true;
    }

    @Override
    public synchronized void recordWebhook(String batchId, String outcome) {
        Batch stored = batches.get(batchId);
        if (stored == null || stored.webhook() != null) {
            return;
        }
        batches.put(batchId, new Batch(stored.id(), stored.ownerKeyId(), stored.createdAt(), stored.status(),
                stored.cancelRequested(), stored.counts(), stored.costUsd(), stored.callbackUrl(), stored.metadata(),
                stored.manifest(), stored.completedAt(), outcome));
    }
}
