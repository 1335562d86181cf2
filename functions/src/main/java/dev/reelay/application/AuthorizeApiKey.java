package dev.reelay.application;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.port.ApiKeys;

import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a request's {@code Authorization: Bearer <key>} names an active API key. An
 * authorized request is owned by the key's name: its tasks are that key's, invisible to others.
 */
public final class AuthorizeApiKey {
    private static final String BEARER = "bearer ";

    /** The decision; {@code keyName} is set only when authorized. */
    public record Decision(boolean authorized, String keyName) {
        public static final Decision DENIED = new Decision(false, null);

        public static Decision allow(String keyName) {
            return new Decision(true, keyName);
        }
    }

    private final ApiKeys keys;

    public AuthorizeApiKey(ApiKeys keys) {
        this.keys = keys;
    }

    /** @param authorization the {@code Authorization} header's value, or null when there is none */
    public Decision authorize(String authorization) {
        Optional<String> secret = bearerToken(authorization);
        if (secret.isEmpty() || !ApiKeySecrets.wellFormed(secret.get())) {
            return Decision.DENIED;
        }
        return keys.findBySecret(secret.get()).filter(ApiKey::active)
                .map(key -> Decision.allow(key.name()))
                .orElse(Decision.DENIED);
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
