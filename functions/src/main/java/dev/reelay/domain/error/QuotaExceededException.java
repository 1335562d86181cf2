package dev.reelay.domain.error;

/**
 * The request could cost more than what is left of its API key's monthly budget: answered with
 * 402 {@code insufficient_quota}, before anything is recorded or sent to a provider.
 */
public final class QuotaExceededException extends ReelayException {
    public static final String CODE = "insufficient_quota";

    public QuotaExceededException(String message) {
        super("insufficient_quota", message, null);
    }
}
