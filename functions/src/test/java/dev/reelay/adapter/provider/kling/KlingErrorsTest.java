package dev.reelay.adapter.provider.kling;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kling's error-code table (provider-contracts.md), whatever the HTTP status, and what happens beyond
 * it. The table is played on a query (GET): see {@link #aRefusedSubmissionIsAnAuthFailureEvenWithoutItsBody}.
 */
class KlingErrorsTest {
    private final HttpTransport http = new HttpTransport(UrlConnectionHttpClient.create());
    private KlingStub kling;
    private KlingProviderClient client;

    @BeforeEach
    void start() throws IOException {
        kling = new KlingStub();
        client = new KlingProviderClient(http, kling.base(), () -> KlingCredentials.apiKey("key"), KlingStub.JSON,
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        kling.close();
    }

    @ParameterizedTest(name = "HTTP {0} code {1} -> {2}")
    @CsvSource({
            "401, 1000, AUTH, false", "401, 1001, AUTH, false", "401, 1002, AUTH, false",
            "401, 1003, AUTH, false", "401, 1004, AUTH, false",
            "429, 1100, QUOTA, false", "429, 1101, QUOTA, false", "429, 1102, QUOTA, false",
            "403, 1103, AUTH, false",
            "400, 1200, INVALID_REQUEST, false", "400, 1201, INVALID_REQUEST, false",
            "404, 1202, NOT_FOUND, false", "404, 1203, NOT_FOUND, false",
            "400, 1300, CONTENT_POLICY, false", "400, 1301, CONTENT_POLICY, false",
            "429, 1302, RATE_LIMITED, true",
            "429, 1303, CONCURRENCY_LIMITED, true",
            "200, 1303, CONCURRENCY_LIMITED, true",
            "429, 1304, AUTH, false",
            "500, 5000, PROVIDER_UNAVAILABLE, true", "503, 5001, PROVIDER_UNAVAILABLE, true",
            "504, 5002, PROVIDER_UNAVAILABLE, true",
            // codes outside the table fall back to the HTTP status
            "503, 9999, PROVIDER_UNAVAILABLE, true", "429, 9999, RATE_LIMITED, true",
            "400, 9999, INVALID_REQUEST, false", "200, 9999, INVALID_REQUEST, false"})
    void mapsTheCode(int httpStatus, int code, ProviderErrorKind kind, boolean retryable) {
        kling.envelope(httpStatus, code, "vendor says " + code, "null");

        assertThatThrownBy(() -> client.query("image2video/1"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(kind);
                    assertThat(e.retryable()).isEqualTo(retryable);
                    assertThat(e.provider()).isEqualTo("kling");
                    assertThat(e.httpStatus()).isEqualTo(httpStatus);
                    assertThat(e.vendorCode()).isEqualTo(Integer.toString(code));
                    assertThat(e.getMessage()).contains("vendor says " + code).contains("req-1");
                });
    }

    @Test
    void aSubmissionRefusedForItsCodeIsNeverSent() {
        kling.envelope(200, 1303, "parallel task over resource pack limit", "null");

        assertThatThrownBy(() -> client.submit(KlingProviderClientTest.textJob(Map.of())))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.CONCURRENCY_LIMITED);
                    assertThat(e.getMessage()).contains("parallel task over resource pack limit");
                });
    }

    /** The url-connection client drops the body of a 401 answer to a POST: the status alone must do. */
    @Test
    void aRefusedSubmissionIsAnAuthFailureEvenWithoutItsBody() {
        kling.envelope(401, 1000, "authorization missing", "null");

        assertThatThrownBy(() -> client.submit(KlingProviderClientTest.textJob(Map.of())))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.AUTH);
                    assertThat(e.httpStatus()).isEqualTo(401);
                });
    }

    @Test
    void aNonJsonErrorPageIsClassifiedByStatus() {
        kling.handler = request -> new KlingStub.Reply(502, "text/html", "<html>Bad Gateway</html>".getBytes());

        assertThatThrownBy(() -> client.query("image2video/1"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("Bad Gateway");
                });
    }

    @Test
    void aSuccessThatIsNotAnEnvelopeIsAVendorFault() {
        kling.reply(200, "{\"task_id\":\"1\"}");

        assertThatThrownBy(() -> client.query("image2video/1"))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
    }

    @Test
    void anUnreachableHostIsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        KlingProviderClient nowhere = new KlingProviderClient(http, URI.create("http://127.0.0.1:" + closedPort),
                () -> KlingCredentials.apiKey("key"), KlingStub.JSON, Clock.systemUTC());

        assertThatThrownBy(() -> nowhere.query("image2video/1"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE);
                    assertThat(e.httpStatus()).isZero();
                });
    }
}
