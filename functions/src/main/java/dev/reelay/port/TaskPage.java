package dev.reelay.port;

import dev.reelay.domain.task.Task;

import java.util.List;
import java.util.Optional;

/**
 * One page of an owner's tasks, newest first. {@code nextCursor} is present exactly when more tasks may
 * follow: handing it back to {@link TaskStore#list} resumes right after this page.
 */
public record TaskPage(List<Task> tasks, Optional<String> nextCursor) {
    public TaskPage {
        tasks = List.copyOf(tasks);
    }

    public boolean hasMore() {
        return nextCursor.isPresent();
    }
}
