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

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The web console in a real browser (docs/console.md): this test starts the local stack as {@code ./reelay
 * serve} does, starts a slow task to cancel, and runs {@code console-tests/browser.mjs}, which drives Debian's
 * Chromium with playwright-core through signing in (a wrong key first), pricing and generating a 3 s video
 * from an uploaded image, watching and playing it, cancelling the other task, the list and the usage, a batch
 * of 3 requests (one refused) and the cancel of another batch, and checks that a prompt with HTML stays text, no dialog fires and the key is in no URL.
 * <p>
 * Without Chromium it is skipped, unless {@code CI} is set: CI installs Chromium ({@code .ci/run}), so there
 * its absence is a failure. {@code REELAY_CONSOLE_SCREENSHOTS=1} writes the screenshots of docs/console.md.
 */
@EndToEnd
class ConsoleBrowserEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("REELAY_CHROMIUM", "/usr/bin/chromium"));
    private static final Duration SCRIPT_LIMIT = Duration.ofMinutes(6);
    /** Far longer than the test: the task stays running until the browser cancels it. */
    private static final Duration SLOW_RENDER = Duration.ofMinutes(10);
    private static final Duration BATCH_LIMIT = Duration.ofSeconds(60);

    private static LocalRuntime runtime;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            boolean ci = System.getenv("CI") != null && !System.getenv("CI").isBlank();
            if (ci) {
                fail(CHROMIUM + " is missing: CI must install Chromium (.ci/run does: apt-get install -y chromium)");
            }
            return; // the test itself is then skipped, with the reason (an abort here would report no test at all)
        }
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    /** A task of the default key that stays running: its vendor, the one a quote names, renders it slowly. */
    private static String slowTask(ApiTestClient client) throws Exception {
        Map<String, Object> body = Map.of("model", "kling-v3-text-to-video", "prompt", "a slow storm over the sea", "duration", 5);
        HttpResponse<String> quoted = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/quotes"))
                .header("Authorization", "Bearer " + runtime.defaultApiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(quoted.statusCode()).as(quoted.body()).isEqualTo(200);
        runtime.sandbox(JSON.readTree(quoted.body()).path("provider").asText()).faults().renderSlowly(1, SLOW_RENDER);
        String id = client.submit(body);
        client.await(id, task -> task.path("task_info").path("can_cancel").asBoolean()
                && "processing".equals(task.path("status").asText()), Duration.ofSeconds(60));
        return id;
    }

    /**
     * A batch of one request whose vendor renders it slowly, in progress with its task at the vendor, for the
     * browser to cancel. Made before the other batch, so that the slow render is this one's.
     */
    private static String slowBatch(ApiTestClient client) throws Exception {
        Map<String, Object> body = Map.of("model", "kling-v3-text-to-video", "prompt", "a batch to cancel", "duration", 5);
        HttpResponse<String> quoted = client.post("/v1/quotes", body, Map.of());
        assertThat(quoted.statusCode()).as(quoted.body()).isEqualTo(200);
        runtime.sandbox(JSON.readTree(quoted.body()).path("provider").asText()).faults().renderSlowly(1, SLOW_RENDER);
        String id = createBatch(client, List.of(body));
        awaitBatch(client, id, batch -> "in_progress".equals(batch.path("status").asText())
                && batch.path("request_counts").path("processing").asInt() == 1);
        return id;
    }

    /** A batch of 3 requests from the image, the second refused (a model Reelay does not offer), to watch complete. */
    private static String smallBatch(ApiTestClient client, Path image) throws Exception {
        Map<String, Object> first = Map.of("model", "kling-v3-image-to-video", "prompt", "a lighthouse at dusk",
                "image_start", image.toUri().toString(), "duration", 3);
        Map<String, Object> refused = Map.of("model", "kling-v2", "prompt", "an old model", "image_start", image.toUri().toString(), "duration", 3);
        Map<String, Object> third = Map.of("model", "kling-v3-image-to-video", "prompt", "the same lighthouse at dawn",
                "image_start", image.toUri().toString(), "duration", 3);
        return createBatch(client, List.of(first, refused, third));
    }

    private static String createBatch(ApiTestClient client, List<Map<String, Object>> requests) throws Exception {
        HttpResponse<String> created = client.post("/v1/batches", Map.of("requests", requests), Map.of());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return JSON.readTree(created.body()).path("id").asText();
    }

    private static JsonNode awaitBatch(ApiTestClient client, String id, Predicate<JsonNode> condition) throws Exception {
        Instant giveUp = Instant.now().plus(BATCH_LIMIT);
        JsonNode batch = client.getJson("/v1/batches/" + id);
        while (!condition.test(batch)) {
            assertThat(Instant.now()).as("batch %s within %s: %s", id, BATCH_LIMIT, batch).isBefore(giveUp);
            Thread.sleep(250);
            batch = client.getJson("/v1/batches/" + id);
        }
        return batch;
    }

    @Test
    void theConsoleSignsInGeneratesPlaysCancelsAndAccountsInARealBrowser(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(runtime != null, CHROMIUM + " is not installed (apt-get install -y chromium), and CI is not set:"
                + " the console's browser test is skipped");
        ApiTestClient client = ApiTestClient.of(runtime);
        String toCancel = slowTask(client);
        Path image = dir.resolve("start.png");
        Files.write(image, TestImages.png(1280, 720));
        String batchToCancel = slowBatch(client);
        String batch = smallBatch(client, image);
        Path repo = RepoLayout.locate().root();
        Path consoleTests = repo.resolve("infrastructure/integration-tests/console-tests");
        Path output = dir.resolve("browser.log");

        ProcessBuilder browser = new ProcessBuilder("node", "browser.mjs").directory(consoleTests.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        browser.environment().putAll(Map.of("REELAY_URL", runtime.apiBaseUrl().toString(), "REELAY_API_KEY", runtime.defaultApiKey(),
                "REELAY_IMAGE", image.toString(), "REELAY_CANCEL_TASK", toCancel, "REELAY_CHROMIUM", CHROMIUM.toString(),
                "REELAY_BATCH", batch, "REELAY_CANCEL_BATCH", batchToCancel));
        if ("1".equals(System.getenv("REELAY_CONSOLE_SCREENSHOTS"))) {
            browser.environment().put("REELAY_SCREENSHOTS", repo.resolve("docs/console").toString());
        }
        Process process = browser.start();
        boolean ended = process.waitFor(SCRIPT_LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String log = read(output);
        System.out.println(log);

        assertThat(ended).as("browser.mjs ended within %s:%n%s", SCRIPT_LIMIT, log).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(log).contains("ok a wrong key is refused", "ok priced before submitting", "ok completed and played",
                "ok cancelled a running task", "ok usage:",
                "ok the batches are listed", "ok cancelled a running batch", "ok the batch completed", "ok signed out", "console browser test passed");
        assertThat(log).as("the key is never printed").doesNotContain(runtime.defaultApiKey());
        JsonNode cancelled = client.get(toCancel);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(client.getJson("/v1/batches/" + batchToCancel).path("status").asText()).isIn("cancelling", "cancelled");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
