package dev.reelay.adapter.provider.kling;

import dev.reelay.testing.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bearer: a cached HS256 JWT from access keys, renewed near expiry or when Kling says it expired; or a plain API key. */
class KlingAuthTest {
    private static final String ACCESS_KEY = "AK7f3c2e";
    private static final String SECRET_KEY = "SKd41b9a0e5f";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String PROCESSING = "{\"task_id\":\"77\",\"task_status\":\"processing\"}";

    private final MutableClock clock = new MutableClock(T0);
    private final AtomicReference<KlingCredentials> credentials =
            new AtomicReference<>(KlingCredentials.accessKeys(ACCESS_KEY, SECRET_KEY));
    private KlingStub kling;
    private KlingProviderClient client;

    @BeforeEach
    void start() throws IOException {
        kling = new KlingStub();
        client = new KlingProviderClient(new HttpTransport(UrlConnectionHttpClient.create()), kling.base(),
                credentials::get, KlingStub.JSON, clock);
    }

    @AfterEach
    void stop() {
        kling.close();
    }

    @Test
    void signsAnHs256TokenWithTheDocumentedClaims() throws Exception {
        kling.envelope(200, 0, "SUCCEED", PROCESSING);

        client.query("image2video/77");

        JsonNode claims = Jwt.verifiedClaims(kling.last().bearer(), SECRET_KEY);
        assertThat(claims.path("iss").asText()).isEqualTo(ACCESS_KEY);
        assertThat(claims.path("exp").asLong()).isEqualTo(T0.getEpochSecond() + 1800);
        assertThat(claims.path("nbf").asLong()).isEqualTo(T0.getEpochSecond() - 5);
        assertThat(claims.size()).isEqualTo(3);
    }

    @Test
    void reusesTheTokenUntilLessThanFiveMinutesRemain() throws Exception {
        for (int i = 0; i < 3; i++) {
            kling.envelope(200, 0, "SUCCEED", PROCESSING);
        }

        client.query("image2video/77");
        String first = kling.last().bearer();
        clock.advance(Duration.ofSeconds(1499)); // 301 s of validity left
        client.query("image2video/77");
        assertThat(kling.last().bearer()).isEqualTo(first);

        clock.advance(Duration.ofSeconds(1)); // 300 s left: time to renew
        client.query("image2video/77");
        String renewed = kling.last().bearer();
        assertThat(renewed).isNotEqualTo(first);
        assertThat(Jwt.verifiedClaims(renewed, SECRET_KEY).path("nbf").asLong()).isEqualTo(T0.getEpochSecond() + 1500 - 5);
    }

    @Test
    void rotatedKeysGetANewTokenAtOnce() throws Exception {
        kling.envelope(200, 0, "SUCCEED", PROCESSING).envelope(200, 0, "SUCCEED", PROCESSING);

        client.query("image2video/77");
        credentials.set(KlingCredentials.accessKeys(ACCESS_KEY, "SK-rotated"));
        client.query("image2video/77");

        assertThat(Jwt.verifiedClaims(kling.last().bearer(), "SK-rotated").path("iss").asText()).isEqualTo(ACCESS_KEY);
    }

    @Test
    void anExpiredTokenIsRenewedOnceAndTheCallRetriedOnce() throws Exception {
        kling.handler = request -> {
            if (kling.requests.size() == 1) {
                clock.advance(Duration.ofSeconds(10)); // so the renewed token differs from the refused one
                return KlingStub.Reply.json(401, "{\"code\":1004,\"message\":\"token expired\",\"request_id\":\"r1\"}");
            }
            return kling.next();
        };
        kling.envelope(200, 0, "SUCCEED", PROCESSING);

        assertThat(client.query("image2video/77").progress()).isEqualTo(50);

        assertThat(kling.requests).hasSize(2);
        String refused = kling.requests.get(0).bearer();
        String renewed = kling.requests.get(1).bearer();
        assertThat(renewed).isNotEqualTo(refused);
        assertThat(Jwt.verifiedClaims(renewed, SECRET_KEY).path("nbf").asLong()).isEqualTo(T0.getEpochSecond() + 10 - 5);
        assertThat(kling.requests.get(1).path()).isEqualTo(kling.requests.get(0).path());
    }

    @Test
    void aTokenRefusedTwiceIsNotRetriedAgain() {
        kling.reply(401, "{\"code\":1003,\"message\":\"token not yet valid\"}")
                .reply(401, "{\"code\":1004,\"message\":\"token expired\"}");

        assertThatThrownBy(() -> client.query("image2video/77"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.AUTH);
                    assertThat(e.vendorCode()).isEqualTo("1004");
                });
        assertThat(kling.requests).hasSize(2);
    }

    /** The url-connection client drops the body of a 401 answer to a POST, so the code is not seen there. */
    @Test
    void aSubmissionRefusedWith401IsRetriedOnceWithTheSameBody() {
        kling.reply(401, "{\"code\":1004,\"message\":\"token expired\"}").accepted("91");

        client.submit(KlingProviderClientTest.textJob(Map.of()));

        assertThat(kling.requests).hasSize(2);
        assertThat(kling.requests.get(1).json()).isEqualTo(kling.requests.get(0).json());
    }

    @Test
    void aPlainApiKeyIsTheBearerAsItIs() {
        credentials.set(KlingCredentials.apiKey("kling-api-key-123"));
        kling.envelope(200, 0, "SUCCEED", PROCESSING);

        client.query("image2video/77");

        assertThat(kling.last().authorization()).isEqualTo("Bearer kling-api-key-123");
    }

    @Test
    void aPlainApiKeyIsNotRetriedOnATokenError() {
        credentials.set(KlingCredentials.apiKey("kling-api-key-123"));
        kling.reply(401, "{\"code\":1004,\"message\":\"expired\"}");

        assertThatThrownBy(() -> client.query("image2video/77")).isInstanceOf(ProviderException.class);
        assertThat(kling.requests).hasSize(1);
    }

    @Test
    void credentialsNeverShowTheirSecrets() {
        assertThat(KlingCredentials.accessKeys(ACCESS_KEY, SECRET_KEY).toString()).doesNotContain(SECRET_KEY, ACCESS_KEY);
        assertThat(KlingCredentials.apiKey("kling-api-key-123").toString()).doesNotContain("kling-api-key-123");
    }
}
