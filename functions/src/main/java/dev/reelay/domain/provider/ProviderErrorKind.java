package dev.reelay.domain.provider;

import java.util.Locale;

/**
 * Every vendor's refusals, in Reelay's few kinds. {@code retryable}: the same call may succeed
 * later. {@code failover}: another vendor may take the job instead, which is only ever done
 * before a vendor accepted it.
 */
public enum ProviderErrorKind {
    AUTH(false, false),
    QUOTA(false, false),
    INVALID_REQUEST(false, false),
    CONTENT_POLICY(false, false),
    RATE_LIMITED(true, true),
    CONCURRENCY_LIMITED(true, true),
    PROVIDER_UNAVAILABLE(true, true),
    /**
     * The request was sent but no answer came (a read timeout, a connection reset): the vendor may
     * have taken the job. Retried as a query; a submission is reconciled, never repeated blind.
     */
    OUTCOME_UNKNOWN(true, false),
    NOT_FOUND(false, false);

    private final boolean retryable;
    private final boolean failover;

    ProviderErrorKind(boolean retryable, boolean failover) {
        this.retryable = retryable;
        this.failover = failover;
    }

    public boolean retryable() {
        return retryable;
    }

    public boolean failover() {
        return failover;
    }

    /** e.g. {@code rate_limited} */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
