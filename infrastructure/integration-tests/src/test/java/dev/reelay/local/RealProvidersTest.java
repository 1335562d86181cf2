package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.Sandboxes;
import dev.reelay.local.sandbox.SandboxSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local stack pointed at vendors outside it, with credentials from a file or the environment. */
class RealProvidersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void withoutEndpointsTheSandboxesServe() {
        assertThat(RealProviders.fromEnvironment(Map.of())).isEmpty();
    }

    @Test
    void credentialsComeFromAFileOrInlineJsonAndAreRequired() throws Exception {
        Path file = Files.writeString(dir.resolve("credentials.json"), "{\"unified\": {\"api_key\": \"from-file\"}}");
        RealProviders fromFile = RealProviders.fromEnvironment(Map.of("REELAY_PROVIDER_ENDPOINTS", "unified=https://u.test",
                "REELAY_PROVIDER_CREDENTIALS_FILE", file.toString())).orElseThrow();
        assertThat(fromFile.credentials().require("unified", "api_key")).isEqualTo("from-file");

        RealProviders inline = RealProviders.fromEnvironment(Map.of("REELAY_PROVIDER_ENDPOINTS", "unified=https://u.test",
                "REELAY_PROVIDER_CREDENTIALS", "{\"unified\": {\"api_key\": \"inline\"}}")).orElseThrow();
        assertThat(inline.credentials().require("unified", "api_key")).isEqualTo("inline");

        assertThatThrownBy(() -> RealProviders.fromEnvironment(Map.of("REELAY_PROVIDER_ENDPOINTS", "unified=https://u.test")))
                .hasMessageContaining("REELAY_PROVIDER_CREDENTIALS_FILE");
    }

    @Test
    void theStackCompletesATaskAtAVendorOutsideIt() throws Exception {
        try (Sandbox outside = Sandboxes.kling(SandboxSettings.forTests(), false)) {
            Path credentials = Files.writeString(dir.resolve("kling.json"), JSON.writeValueAsString(Map.of("kling",
                    Map.of("access_key", outside.credential("access_key"), "secret_key", outside.credential("secret_key")))));
            Map<String, String> env = Map.of("REELAY_PROVIDER_ENDPOINTS", "kling=" + outside.baseUrl(),
                    "REELAY_PROVIDER_CREDENTIALS_FILE", credentials.toString());
            LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
            try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Settings(null, tests.sandbox(), tests.polling(), 0, env, false))) {
                Path image = dir.resolve("frame.png");
                ImageIO.write(new BufferedImage(640, 360, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
                HttpClient http = HttpClient.newHttpClient();
                String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "outside",
                        "image_start", image.toUri().toString(), "duration", 3));
                JsonNode task = JSON.readTree(http.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                String id = task.path("id").asText();
                for (int i = 0; i < 120 && !task.path("status").asText().matches("completed|failed"); i++) {
                    Thread.sleep(250);
                    task = JSON.readTree(http.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + id)).header("Authorization", "Bearer " + runtime.defaultApiKey()).build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                }
                assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
                assertThat(task.path("task_info").path("provider").asText()).isEqualTo("kling");
                assertThat(outside.createRequests()).isEqualTo(1);
                assertThat(runtime.sandbox("kling").createRequests()).isZero();
            }
        }
    }
}
