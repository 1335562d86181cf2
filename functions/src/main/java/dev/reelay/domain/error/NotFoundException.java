package dev.reelay.domain.error;

/** The thing asked for does not exist (or is not the caller's to see): answered with 404. */
public final class NotFoundException extends ReelayException {
    public NotFoundException(String code, String message) {
        super(code, message, null);
    }
}
