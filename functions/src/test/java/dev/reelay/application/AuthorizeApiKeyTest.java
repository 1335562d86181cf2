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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void aRevokedKeyIsRefusedAsInvalid() {
        String secret = keys.create("team-b", null).secret();
        assertThat(authorize.authorize("Bearer " + secret).authorized()).isTrue();
        keys.revoke("team-b");

        Decision refused = authorize.authorize("Bearer " + secret);
        assertThat(refused).isEqualTo(Decision.INVALID);
        assertThat(refused.authorized()).isFalse();
        assertThat(refused.keyName()).isNull();
        assertThat(refused.errorCode()).isEqualTo("invalid_api_key");
    }

    @Test
    void anUnknownKeyIsRefusedAsInvalid() {
        keys.create("team-c", null);

        assertThat(authorize.authorize("Bearer " + ApiKeySecrets.generate(new SecureRandom()))).isEqualTo(Decision.INVALID);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void noHeaderIsAMissingKey(String header) {
        keys.create("team-d", null);

        Decision refused = authorize.authorize(header);
        assertThat(refused).isEqualTo(Decision.MISSING);
        assertThat(refused.authorized()).isFalse();
        assertThat(refused.errorCode()).isEqualTo("missing_api_key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "rly_", "Token abc",
            "Bearer rly_short", "Bearer rly_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA extra"})
    void aMalformedHeaderIsAnInvalidKey(String header) {
        String secret = keys.create("team-" + Math.abs(String.valueOf(header).hashCode() % 100000), null).secret();

        assertThat(authorize.authorize(header)).isEqualTo(Decision.INVALID);
        // The bare secret without its scheme is not accepted either.
        assertThat(authorize.authorize(secret)).isEqualTo(Decision.INVALID);
    }

    @Test
    void aDecisionNamesAKeyOrAnErrorNeverBoth() {
        assertThatThrownBy(() -> new Decision("team-a", "invalid_api_key")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Decision(null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Decision.allow("team-a").errorCode()).isNull();
    }

    @Test
    void aBearerTokenIsReadFromTheHeader() {
        assertThat(AuthorizeApiKey.bearerToken("Bearer abc")).contains("abc");
        assertThat(AuthorizeApiKey.bearerToken("Bearerabc")).isEmpty();
        assertThat(AuthorizeApiKey.bearerToken("Bearer a b")).isEmpty();
        assertThat(AuthorizeApiKey.bearerToken(null)).isEmpty();
    }
}
