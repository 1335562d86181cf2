package dev.reelay.domain.error;

/**
 * A failure that retrying cannot fix: a provider refused the job, reported it failed, or the
 * video it produced is not a valid MP4. The task ends failed, at no charge.
 */
public final class PermanentFailureException extends ReelayException {
    public PermanentFailureException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public PermanentFailureException(String code, String message) {
        this(code, message, null);
    }
}
