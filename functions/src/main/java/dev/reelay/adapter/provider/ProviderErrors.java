package dev.reelay.adapter.provider;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.error.TransientFailureException;

/** Maps a vendor's HTTP answer to Reelay's failure kinds: worth retrying, or final. */
public final class ProviderErrors {
    private ProviderErrors() {
    }

    public static ReelayException fromHttp(String provider, int status, String vendorCode, String vendorMessage) {
        String detail = provider + " answered " + status
                + (vendorCode == null ? "" : " " + vendorCode) + (vendorMessage == null ? "" : ": " + vendorMessage);
        if (status == 429) {
            return new TransientFailureException("provider_rate_limited", detail);
        }
        if (status >= 500) {
            return new TransientFailureException("provider_unavailable", detail);
        }
        return switch (status) {
            case 401, 403 -> new PermanentFailureException("provider_auth_failed", detail);
            case 402 -> new PermanentFailureException("provider_quota_exhausted", detail);
            case 404 -> new PermanentFailureException("provider_not_found", detail);
            default -> new PermanentFailureException("provider_rejected_request", detail);
        };
    }

    public static TransientFailureException unreachable(String provider, Exception cause) {
        return new TransientFailureException("provider_unreachable", provider + " could not be reached: " + cause.getMessage(), cause);
    }
}
