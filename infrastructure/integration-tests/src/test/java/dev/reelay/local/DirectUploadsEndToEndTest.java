package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/uploads} end to end on the local stack: the answer's URL takes a plain PUT of the
 * image (no S3 credentials: java.net.http, as {@code curl -T} would), to the local S3, and a submission
 * naming its {@code upload://} reference becomes a completed task. Another key's reference and an
 * upload never put are refused as a missing image is; a content type the image checks refuse is
 * refused at once, and S3 refuses a PUT of another content type than the signed one.
 */
@EndToEnd
class DirectUploadsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private static LocalRuntime runtime;
    private static ApiTestClient client;
    private static String otherKey;

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
        client = ApiTestClient.of(runtime);
        otherKey = runtime.apiKeys().create("uploads-other", null).secret();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void anUploadPutWithoutCredentialsBecomesACompletedTask() throws Exception {
        byte[] image = TestImages.png(1280, 720);
        JsonNode upload = createUpload(runtime.defaultApiKey(), "image/png", image.length, 200);
        assertThat(upload.path("object").asText()).isEqualTo("upload");
        assertThat(upload.path("method").asText()).isEqualTo("PUT");
        assertThat(upload.path("reference").asText()).isEqualTo("upload://" + upload.path("id").asText());
        assertThat(Instant.parse(upload.path("expires_at").asText())).isAfter(Instant.now().plus(Duration.ofMinutes(59)));

        HttpResponse<String> put = put(upload, image, "image/png");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        String taskId = client.submit(Map.of("model", "kling-v3-image-to-video", "prompt", "waves roll in",
                "image_start", upload.path("reference").asText(), "duration", 3));
        JsonNode task = client.awaitEnd(taskId, LIMIT);
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
    }

    /** docs/uploads.md's flow with a plain {@code curl -T}: no credentials, no signing by curl, only the URL and its Content-Type. */
    @Test
    void aPlainCurlPutToTheUrlBecomesACompletedTask(@TempDir Path files) throws Exception {
        Assumptions.assumeTrue(curlInstalled(), "curl is not installed");
        Path image = files.resolve("cat.png");
        Files.write(image, TestImages.png(1280, 720));
        JsonNode upload = createUpload(runtime.defaultApiKey(), "image/png", Files.size(image), 200);
        Process curl = new ProcessBuilder("curl", "-sS", "-f", "-T", image.toString(), upload.path("upload_url").asText(),
                "-H", "Content-Type: image/png").redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();

        String taskId = client.submit(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", upload.path("reference").asText(), "duration", 3));
        JsonNode task = client.awaitEnd(taskId, LIMIT);
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
    }

    private static boolean curlInstalled() {
        try {
            return new ProcessBuilder("curl", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void anotherKeysUploadAndAnUploadNeverPutAreRefusedAsAMissingImage() throws Exception {
        byte[] image = TestImages.jpeg(1280, 720);
        JsonNode mine = createUpload(runtime.defaultApiKey(), "image/jpeg", image.length, 200);
        assertThat(put(mine, image, "image/jpeg").statusCode()).isEqualTo(200);

        JsonNode refused = submit(otherKey, mine.path("reference").asText(), 400);
        assertThat(refused.path("error").path("code").asText()).isEqualTo("image_unreachable");
        assertThat(refused.path("error").path("param").asText()).isEqualTo("image_start");

        JsonNode neverPut = createUpload(runtime.defaultApiKey(), "image/png", 1000, 200);
        JsonNode missing = submit(runtime.defaultApiKey(), neverPut.path("reference").asText(), 400);
        assertThat(missing.path("error").path("code").asText()).isEqualTo("image_unreachable");
    }

    @Test
    void aContentTypeTheImageChecksRefuseIsRefusedAndThePutMustMatchTheSignedOne() throws Exception {
        JsonNode gif = createUpload(runtime.defaultApiKey(), "image/gif", 1000, 400);
        assertThat(gif.path("error").path("code").asText()).isEqualTo("unsupported_image_format");
        assertThat(gif.path("error").path("param").asText()).isEqualTo("content_type");
        JsonNode tooLarge = createUpload(runtime.defaultApiKey(), "image/png", 10L * 1024 * 1024 + 1, 400);
        assertThat(tooLarge.path("error").path("code").asText()).isEqualTo("image_too_large");

        byte[] image = TestImages.png(1280, 720);
        JsonNode upload = createUpload(runtime.defaultApiKey(), "image/png", image.length, 200);
        assertThat(put(upload, image, "image/jpeg").statusCode()).as("a PUT of another content type than the signed one")
                .isEqualTo(403);
    }

    private static JsonNode createUpload(String key, String contentType, long size, int status) throws Exception {
        return send(key, "/v1/uploads", Map.of("content_type", contentType, "size", size), status);
    }

    private static JsonNode submit(String key, String reference, int status) throws Exception {
        return send(key, "/v1/videos/generations", Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", reference, "duration", 3), status);
    }

    private static JsonNode send(String key, String path, Map<String, Object> body, int status) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve(path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        return JSON.readTree(answer.body());
    }

    /** The PUT a browser or {@code curl -T} makes: no credentials, only the URL and its Content-Type. */
    private static HttpResponse<String> put(JsonNode upload, byte[] bytes, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(upload.path("upload_url").asText()))
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
