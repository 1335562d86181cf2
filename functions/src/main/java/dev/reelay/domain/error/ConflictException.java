package dev.reelay.domain.error;

/** The request conflicts with an earlier one (an idempotency key reused for another body): answered with 409. */
public final class ConflictException extends ReelayException {
    public ConflictException(String code, String message) {
        super(code, message, null);
    }
}
