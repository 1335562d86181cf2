package dev.reelay.domain.error;

/**
 * A failure worth retrying with backoff: a provider's 5xx or rate limit, a network error, a
 * truncated download. The state machine's Retry blocks match this class name.
 */
public final class TransientFailureException extends ReelayException {
    public TransientFailureException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public TransientFailureException(String code, String message) {
        this(code, message, null);
    }
}
