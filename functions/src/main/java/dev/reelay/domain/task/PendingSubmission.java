package dev.reelay.domain.task;

import java.time.Instant;

/**
 * A job handed to {@code provider} at {@code since} whose answer is not known yet: the call is in
 * flight, or it ended without an answer (a timeout, a reset connection). Until it is resolved the
 * task may not be submitted anywhere else.
 */
public record PendingSubmission(String provider, Instant since) {
}
