package dev.reelay.domain.error;

/**
 * Root of Reelay's typed failures. Every failure that crosses a port or a handler is one of
 * these, so that handlers map it to an HTTP answer and the state machine to Retry or Catch.
 */
public abstract class ReelayException extends RuntimeException {
    private final String code;

    protected ReelayException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A stable, machine-readable error code such as {@code image_too_small}. */
    public String code() {
        return code;
    }

    /**
     * The code in front of the message. Lambda reports this text as a failed invocation's
     * {@code errorMessage}, so the state machine's failure step can recover the code from it.
     */
    @Override
    public String getLocalizedMessage() {
        return code + ": " + getMessage();
    }
}
