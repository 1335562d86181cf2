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

    /**
     * A call that got no answer. When the connection was never made, nothing reached the vendor
     * ({@code provider_unavailable}); any other failure may have come after the request was sent, so
     * whether the vendor acted on it is unknown ({@code provider_outcome_unknown}): a submission is
     * then reconciled, not repeated (docs/queue.md, "At-most-once submission").
     */
    public static ProviderException unreachable(String provider, Exception cause) {
        boolean neverSent = neverSent(cause);
        return new ProviderException(provider, neverSent ? ProviderErrorKind.PROVIDER_UNAVAILABLE : ProviderErrorKind.OUTCOME_UNKNOWN,
                0, null, provider + (neverSent ? " could not be reached: " : " did not answer: ") + cause.getMessage(), cause);
    }

    /** Failures that happen before a request's first byte leaves: no connection, no address, no TLS session. */
    static boolean neverSent(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException || t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
            if (t instanceof java.net.SocketTimeoutException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("connect")) {
                return true;
            }
        }
        return false;
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
