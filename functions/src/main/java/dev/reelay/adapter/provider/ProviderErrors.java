package dev.reelay.adapter.provider;

import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;

import java.util.Locale;

/** The HTTP-level half of the error taxonomy, for vendors whose status codes carry the meaning. */
public final class ProviderErrors {
    private ProviderErrors() {
    }

    /** Classifies an HTTP error answer; a vendor code naming a content policy wins over the status. */
    public static ProviderException fromHttp(String provider, int status, String vendorCode, String vendorMessage) {
        String detail = provider + " answered " + status
                + (vendorCode == null ? "" : " " + vendorCode) + (vendorMessage == null ? "" : ": " + vendorMessage);
        return new ProviderException(provider, kindOf(status, vendorCode), status, vendorCode, detail);
    }

    public static ProviderException unreachable(String provider, Exception cause) {
        return new ProviderException(provider, ProviderErrorKind.PROVIDER_UNAVAILABLE, 0, null,
                provider + " could not be reached: " + cause.getMessage(), cause);
    }

    static ProviderErrorKind kindOf(int status, String vendorCode) {
        String code = vendorCode == null ? "" : vendorCode.toLowerCase(Locale.ROOT);
        if (code.contains("content") || code.contains("policy") || code.contains("sensitive") || code.contains("moderation")) {
            return ProviderErrorKind.CONTENT_POLICY;
        }
        if (status == 429) {
            return code.contains("concurren") ? ProviderErrorKind.CONCURRENCY_LIMITED : ProviderErrorKind.RATE_LIMITED;
        }
        if (status >= 500 || status == 408) {
            return ProviderErrorKind.PROVIDER_UNAVAILABLE;
        }
        return switch (status) {
            case 401, 403 -> ProviderErrorKind.AUTH;
            case 402 -> ProviderErrorKind.QUOTA;
            case 404 -> ProviderErrorKind.NOT_FOUND;
            default -> ProviderErrorKind.INVALID_REQUEST;
        };
    }
}
