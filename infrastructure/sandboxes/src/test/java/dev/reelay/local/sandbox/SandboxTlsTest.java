package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class SandboxTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void servesHttpsThatAClientTrustingOnlyTheSandboxPemCanUse() throws Exception {
        Path pem;
        try (Sandbox sandbox = Sandboxes.unified(SandboxSettings.forTests(), true)) {
            assertThat(sandbox.baseUrl().getScheme()).isEqualTo("https");
            pem = sandbox.caPemPath().orElseThrow();
            assertThat(Files.readString(pem)).startsWith("-----BEGIN CERTIFICATE-----");
            UnifiedClient trusting = new UnifiedClient(PemTrust.clientTrusting(pem), sandbox.baseUrl(), sandbox.credential("api_key"));

            String id = trusting.accepted(UnifiedClient.textToVideo("A harbour at dusk"));
            HttpResponse<String> queried = trusting.query(id);

            assertThat(queried.statusCode()).isEqualTo(200);
            JsonNode task = JSON.readTree(queried.body());
            assertThat(task.get("id").asText()).isEqualTo(id);
            UnifiedClient untrusting = new UnifiedClient(HttpClient.newHttpClient(), sandbox.baseUrl(), sandbox.credential("api_key"));
            assertThatThrownBy(() -> untrusting.query(id)).isInstanceOf(SSLHandshakeException.class);
        }
        assertThat(pem).doesNotExist();
    }
}
