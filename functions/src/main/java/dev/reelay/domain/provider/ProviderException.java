package dev.reelay.domain.provider;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.error.TransientFailureException;

/**
 * A vendor refused a call or could not be reached, classified. Adapters throw it; the workflow
 * steps turn it into a {@link TransientFailureException} (the state machine retries) or a
 * {@link PermanentFailureException} (the task fails) with {@link #asStepFailure()}.
 */
public final class ProviderException extends ReelayException {
    private final String provider;
    private final ProviderErrorKind kind;
    private final int httpStatus;
    private final String vendorCode;

    public ProviderException(String provider, ProviderErrorKind kind, int httpStatus, String vendorCode,
                             String message, Throwable cause) {
        super(codeOf(kind), message, cause);
        this.provider = provider;
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.vendorCode = vendorCode;
    }

    public ProviderException(String provider, ProviderErrorKind kind, int httpStatus, String vendorCode, String message) {
        this(provider, kind, httpStatus, vendorCode, message, null);
    }

    /** e.g. {@code provider_rate_limited}; {@code provider_unavailable} rather than a doubled prefix. */
    static String codeOf(ProviderErrorKind kind) {
        return kind == ProviderErrorKind.PROVIDER_UNAVAILABLE ? "provider_unavailable" : "provider_" + kind.wire();
    }

    public String provider() {
        return provider;
    }

    public ProviderErrorKind kind() {
        return kind;
    }

    /** The HTTP status the vendor answered, or 0 when it could not be reached. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The vendor's own error code (e.g. Kling's {@code 1302}), or null. */
    public String vendorCode() {
        return vendorCode;
    }

    public boolean retryable() {
        return kind.retryable();
    }

    /** The failure as the state machine should see it: retried, or final. */
    public ReelayException asStepFailure() {
        return retryable() ? new TransientFailureException(code(), getMessage(), this)
                : new PermanentFailureException(code(), getMessage(), this);
    }
}
