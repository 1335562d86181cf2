package dev.reelay.adapter.provider.kling;

import dev.reelay.adapter.provider.ProviderErrors;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;

import java.util.Map;

import static dev.reelay.domain.provider.ProviderErrorKind.AUTH;
import static dev.reelay.domain.provider.ProviderErrorKind.CONCURRENCY_LIMITED;
import static dev.reelay.domain.provider.ProviderErrorKind.CONTENT_POLICY;
import static dev.reelay.domain.provider.ProviderErrorKind.INVALID_REQUEST;
import static dev.reelay.domain.provider.ProviderErrorKind.NOT_FOUND;
import static dev.reelay.domain.provider.ProviderErrorKind.PROVIDER_UNAVAILABLE;
import static dev.reelay.domain.provider.ProviderErrorKind.QUOTA;
import static dev.reelay.domain.provider.ProviderErrorKind.RATE_LIMITED;

/**
 * Kling's error codes (the envelope's {@code code}) in Reelay's kinds. The code decides whatever
 * the HTTP status, since Kling may answer 200 with a non-zero code; a code not in the table falls
 * back to the HTTP status.
 */
public final class KlingErrors {
    /** 1003 (not yet valid) and 1004 (expired) are worth one fresh token. */
    static final String TOKEN_NOT_YET_VALID = "1003";
    static final String TOKEN_EXPIRED = "1004";

    private static final Map<String, ProviderErrorKind> KINDS = Map.ofEntries(
            Map.entry("1000", AUTH), Map.entry("1001", AUTH), Map.entry("1002", AUTH),
            Map.entry(TOKEN_NOT_YET_VALID, AUTH), Map.entry(TOKEN_EXPIRED, AUTH),
            Map.entry("1100", QUOTA), Map.entry("1101", QUOTA), Map.entry("1102", QUOTA),
            Map.entry("1103", AUTH),
            Map.entry("1200", INVALID_REQUEST), Map.entry("1201", INVALID_REQUEST),
            Map.entry("1202", NOT_FOUND), Map.entry("1203", NOT_FOUND),
            Map.entry("1300", CONTENT_POLICY), Map.entry("1301", CONTENT_POLICY),
            Map.entry("1302", RATE_LIMITED),
            Map.entry("1303", CONCURRENCY_LIMITED),
            Map.entry("1304", AUTH),
            Map.entry("5000", PROVIDER_UNAVAILABLE), Map.entry("5001", PROVIDER_UNAVAILABLE),
            Map.entry("5002", PROVIDER_UNAVAILABLE));

    private KlingErrors() {
    }

    /**
     * A refusal, as {@code kling answered <status> <code>: <message> (request_id <id>)}.
     *
     * @param code Kling's code, or null when the answer carried none (e.g. a proxy's HTML page)
     */
    public static ProviderException of(int httpStatus, String code, String message, String requestId) {
        String detail = (message == null || message.isBlank() ? "no message" : message)
                + (requestId == null || requestId.isBlank() ? "" : " (request_id " + requestId + ")");
        ProviderErrorKind kind = code == null ? null : KINDS.get(code);
        if (kind == null) {
            return ProviderErrors.fromHttp(KlingProviderClient.NAME, httpStatus, code, detail);
        }
        return new ProviderException(KlingProviderClient.NAME, kind, httpStatus, code,
                KlingProviderClient.NAME + " answered " + httpStatus + " " + code + ": " + detail);
    }

    /** An answer that breaks the documented contract: treated as a passing vendor fault. */
    static ProviderException badAnswer(int httpStatus, String what) {
        return new ProviderException(KlingProviderClient.NAME, PROVIDER_UNAVAILABLE, httpStatus, null,
                KlingProviderClient.NAME + " " + what + ".");
    }

    static ProviderException invalidJob(String what) {
        return new ProviderException(KlingProviderClient.NAME, INVALID_REQUEST, 0, null,
                KlingProviderClient.NAME + " cannot take this job: " + what + ".");
    }
}
