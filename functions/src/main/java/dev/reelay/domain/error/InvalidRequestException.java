package dev.reelay.domain.error;

/** The caller's request breaks a rule: answered with 400 and never sent to a provider. */
public final class InvalidRequestException extends ReelayException {
    private final String field;

    public InvalidRequestException(String field, String code, String message) {
        super(code, message, null);
        this.field = field;
    }

    /** The request field at fault, e.g. {@code image_start}. */
    public String field() {
        return field;
    }
}
