package dev.reelay.application;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.port.TaskPage;
import dev.reelay.port.TaskStore;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/tasks}: the caller's own tasks, newest first, a page at a time. Each task is shown
 * exactly as {@code GET /v1/tasks/{id}} shows it (a completed one with a freshly presigned link:
 * presigning is a local computation, no call to S3). Another owner's tasks are never listed.
 */
public final class ListTasks {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;
    private static final Set<String> PARAMETERS = Set.of("limit", "status", "cursor");

    /** One page: the tasks as their owner sees them, and the cursor of the next page when there is one. */
    public record TaskList(List<TaskView> tasks, Optional<String> nextCursor) {
        public TaskList {
            tasks = List.copyOf(tasks);
        }
    }

    private final TaskStore store;
    private final GetTask views;

    public ListTasks(TaskStore store, GetTask views) {
        this.store = store;
        this.views = views;
    }

    /**
     * @param parameters the query string's parameters ({@code limit}, {@code status}, {@code cursor}); null for none
     */
    public TaskList list(String ownerKeyId, Map<String, String> parameters) {
        Map<String, String> query = QueryParameters.checked(parameters, PARAMETERS, "GET /v1/tasks takes limit, status and cursor");
        int limit = limit(query.get("limit"));
        Optional<TaskStatus> status = Optional.ofNullable(query.get("status")).map(ListTasks::status);
        Optional<String> cursor = Optional.ofNullable(query.get("cursor"));
        TaskPage page = store.list(ownerKeyId, status, limit, cursor);
        return new TaskList(page.tasks().stream().map(views::view).toList(), page.nextCursor());
    }

    /** A page's {@code limit} parameter: 1 to {@link #MAX_LIMIT}, {@link #DEFAULT_LIMIT} when absent. Batch lists share it. */
    static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        if (value.matches("\\d{1,3}")) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        }
        throw new InvalidRequestException("limit", "invalid_limit",
                "'limit' must be a whole number from 1 to " + MAX_LIMIT + "; default " + DEFAULT_LIMIT + ".");
    }

    private static TaskStatus status(String value) {
        return TaskStatus.parse(value).orElseThrow(() -> new InvalidRequestException("status", "invalid_status",
                "'status' must be one of " + Arrays.stream(TaskStatus.values()).map(TaskStatus::wire)
                        .collect(Collectors.joining(", ")) + "."));
    }
}
