package dev.reelay.domain.error;

/** The request carries no verified API key: answered with 401. */
public final class UnauthorizedException extends ReelayException {
    public UnauthorizedException(String code, String message) {
        super(code, message, null);
    }
}
