package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.task.Task;
import dev.reelay.port.BatchStore;
import dev.reelay.port.TaskStore;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/batches/{id}}, {@code GET /v1/batches} and {@code GET /v1/batches/{id}/tasks}: the
 * caller's own batches, and the tasks of one, each shown as {@code GET /v1/tasks/{id}} shows it.
 * Another key's batch is 404, exactly as a missing one.
 */
public final class ReadBatches {
    private static final Set<String> PARAMETERS = Set.of("limit", "cursor");
    private static final String TASKS_CURSOR_VERSION = "b1:";

    /** One page of the caller's batches, and the cursor of the next page when there is one. */
    public record BatchList(List<Batch> batches, Optional<String> nextCursor) {
        public BatchList {
            batches = List.copyOf(batches);
        }
    }

    /** A batch with its entries, for the single batch's object. */
    public record BatchView(Batch batch, List<BatchEntry> entries) {
        public Map<String, Object> json() {
            return BatchRepresentation.of(batch, entries);
        }
    }

    private final BatchStore batches;
    private final TaskStore tasks;
    private final GetTask views;

    public ReadBatches(BatchStore batches, TaskStore tasks, GetTask views) {
        this.batches = batches;
        this.tasks = tasks;
        this.views = views;
    }

    public BatchView get(String ownerKeyId, String batchId) {
        Batch batch = find(ownerKeyId, batchId);
        return new BatchView(batch, batches.entries(batchId));
    }

    /** The caller's batch; 404 {@code batch_not_found} when missing or another key's. */
    Batch find(String ownerKeyId, String batchId) {
        return batches.find(batchId).filter(batch -> batch.ownerKeyId().equals(ownerKeyId))
                .orElseThrow(() -> new NotFoundException("batch_not_found", "No batch '" + batchId + "'."));
    }

    /** The caller's batches, newest first, {@code limit} (1 to 100, default 20) at a time. */
    public BatchList list(String ownerKeyId, Map<String, String> parameters) {
        Map<String, String> query = QueryParameters.checked(parameters, PARAMETERS, "GET /v1/batches takes limit and cursor");
        BatchStore.BatchPage page = batches.list(ownerKeyId, ListTasks.limit(query.get("limit")), Optional.ofNullable(query.get("cursor")));
        return new BatchList(page.batches(), page.nextCursor());
    }

    /** The tasks of the caller's batch, in the order of its requests; refused requests have none. */
    public ListTasks.TaskList tasks(String ownerKeyId, String batchId, Map<String, String> parameters) {
        Map<String, String> query = QueryParameters.checked(parameters, PARAMETERS, "GET /v1/batches/{id}/tasks takes limit and cursor");
        find(ownerKeyId, batchId);
        int limit = ListTasks.limit(query.get("limit"));
        int after = Optional.ofNullable(query.get("cursor")).map(ReadBatches::decode).orElse(-1);
        List<BatchEntry> made = batches.entries(batchId).stream()
                .filter(entry -> entry.taskId() != null && entry.index() > after)
                .sorted(Comparator.comparingInt(BatchEntry::index)).toList();
        List<BatchEntry> page = made.subList(0, Math.min(limit, made.size()));
        Optional<String> next = made.size() > limit ? Optional.of(encode(page.get(limit - 1).index())) : Optional.empty();
        Map<String, Task> found = new java.util.HashMap<>();
        tasks.findAll(page.stream().map(BatchEntry::taskId).toList()).forEach(task -> found.put(task.id(), task));
        return new ListTasks.TaskList(page.stream().map(entry -> Optional.ofNullable(found.get(entry.taskId())).orElseThrow(() ->
                new IllegalStateException("Batch " + batchId + ": task " + entry.taskId() + " is not in the task store")))
                .map(views::view).toList(), next);
    }

    private static String encode(int index) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((TASKS_CURSOR_VERSION + index).getBytes(StandardCharsets.UTF_8));
    }

    private static int decode(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(TASKS_CURSOR_VERSION) && text.substring(TASKS_CURSOR_VERSION.length()).matches("\\d{1,4}")) {
                return Integer.parseInt(text.substring(TASKS_CURSOR_VERSION.length()));
            }
        } catch (IllegalArgumentException notOurs) {
            // refused below
        }
        throw new InvalidRequestException("cursor", "invalid_cursor",
                "'cursor' must be a next_cursor value returned by an earlier page of this list.");
    }
}
