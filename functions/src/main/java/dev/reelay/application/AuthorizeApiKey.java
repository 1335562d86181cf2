package dev.reelay.application;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.port.ApiKeys;

import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a request's {@code Authorization: Bearer <key>} names an active API key. An
 * authorized request is owned by the key's name: its tasks are that key's, invisible to others. A
 * refused one carries the error code its answer gives: {@value #MISSING_API_KEY} without a header,
 * {@value #INVALID_API_KEY} for an unknown, malformed or revoked key.
 */
public final class AuthorizeApiKey {
    public static final String MISSING_API_KEY = "missing_api_key";
    public static final String INVALID_API_KEY = "invalid_api_key";
    private static final String BEARER = "bearer ";

    /** The decision: exactly one of {@code keyName} (authorized) and {@code errorCode} (refused) is set. */
    public record Decision(String keyName, String errorCode) {
        public static final Decision MISSING = new Decision(null, MISSING_API_KEY);
        public static final Decision INVALID = new Decision(null, INVALID_API_KEY);

        public Decision {
            if ((keyName == null) == (errorCode == null)) {
                throw new IllegalArgumentException("A decision names a key or an error code, not both or neither");
            }
        }

        public static Decision allow(String keyName) {
            return new Decision(keyName, null);
        }

        public boolean authorized() {
            return keyName != null;
        }
    }

    private final ApiKeys keys;

    public AuthorizeApiKey(ApiKeys keys) {
        this.keys = keys;
    }

    /** @param authorization the {@code Authorization} header's value, or null when there is none */
    public Decision authorize(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Decision.MISSING;
        }
        Optional<String> secret = bearerToken(authorization);
        if (secret.isEmpty() || !ApiKeySecrets.wellFormed(secret.get())) {
            return Decision.INVALID;
        }
        return keys.findBySecret(secret.get()).filter(ApiKey::active)
                .map(key -> Decision.allow(key.name()))
                .orElse(Decision.INVALID);
    }

    /** The token of a {@code Bearer} header (the scheme is case-insensitive, RFC 7235); empty for anything else. */
    static Optional<String> bearerToken(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String value = authorization.strip();
        if (value.length() <= BEARER.length() || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Optional.empty();
        }
        String token = value.substring(BEARER.length()).strip();
        return token.isEmpty() || token.contains(" ") ? Optional.empty() : Optional.of(token);
    }
}
