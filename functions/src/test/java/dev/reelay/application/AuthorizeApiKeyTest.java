package dev.reelay.application;

import dev.reelay.application.AuthorizeApiKey.Decision;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.testing.InMemoryApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may call the API: an active key, presented as a bearer token, and nothing else. */
class AuthorizeApiKeyTest {
    private final InMemoryApiKeys keys = new InMemoryApiKeys();
    private final AuthorizeApiKey authorize = new AuthorizeApiKey(keys);

    @Test
    void anActiveKeyIsAuthorizedAndNamesItsOwner() {
        String secret = keys.create("team-a", new BigDecimal("5")).secret();

        assertThat(authorize.authorize("Bearer " + secret)).isEqualTo(Decision.allow("team-a"));
        // The scheme is case-insensitive (RFC 7235), and surrounding spaces do not matter.
        assertThat(authorize.authorize("bearer " + secret).keyName()).isEqualTo("team-a");
        assertThat(authorize.authorize("  BEARER   " + secret + " ").keyName()).isEqualTo("team-a");
    }

    @Test
    void aRevokedKeyIsRefused() {
        String secret = keys.create("team-b", null).secret();
        keys.revoke("team-b");

        assertThat(authorize.authorize("Bearer " + secret)).isEqualTo(Decision.DENIED);
    }

    @Test
    void anUnknownKeyIsRefused() {
        keys.create("team-c", null);

        assertThat(authorize.authorize("Bearer " + ApiKeySecrets.generate(new SecureRandom()))).isEqualTo(Decision.DENIED);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "rly_", "Token abc",
            "Bearer rly_short", "Bearer rly_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA extra"})
    void aMissingOrMalformedHeaderIsRefused(String header) {
        String secret = keys.create("team-" + Math.abs(String.valueOf(header).hashCode() % 100000), null).secret();

        assertThat(authorize.authorize(header)).isEqualTo(Decision.DENIED);
        // The bare secret without its scheme is not accepted either.
        assertThat(authorize.authorize(secret)).isEqualTo(Decision.DENIED);
    }

    @Test
    void aBearerTokenIsReadFromTheHeader() {
        assertThat(AuthorizeApiKey.bearerToken("Bearer abc")).contains("abc");
        assertThat(AuthorizeApiKey.bearerToken("Bearerabc")).isEmpty();
        assertThat(AuthorizeApiKey.bearerToken("Bearer a b")).isEmpty();
        assertThat(AuthorizeApiKey.bearerToken(null)).isEmpty();
    }
}
