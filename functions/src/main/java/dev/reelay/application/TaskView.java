package dev.reelay.application;

import dev.reelay.domain.task.Task;

import java.net.URI;
import java.time.Instant;

/** A task as a caller sees it: with a freshly signed link to its video once it is completed. */
public record TaskView(Task task, URI resultUrl, Instant resultUrlExpiresAt) {
}
