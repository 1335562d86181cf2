package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remote commands against a running {@code serve} in this JVM, as against any Reelay API: tasks made
 * through the API are listed, read, cancelled and downloaded through the CLI with {@code --endpoint} and
 * {@code --api-key}; {@code usage} answers; {@code generate --endpoint} makes a video with a {@code file:}
 * URL (which only a local API accepts) and downloads it.
 */
class RemoteCliEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    record Run(int exit, String stdout, String stderr) {
        JsonNode lastLine() throws Exception {
            List<String> lines = stdout.lines().toList();
            assertThat(lines).as("stdout; stderr: %s", stderr).isNotEmpty();
            return JSON.readTree(lines.get(lines.size() - 1));
        }
    }

    private Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve("elsewhere"), Map.of()).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tasksAndUsageAndGenerateWorkAgainstARunningApi() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher serving = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve(".reelay"));
        Future<Integer> exit = pool.submit((Callable<Integer>) () -> serving.run(new String[]{"serve", "--port", "0"}));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!out.toString(StandardCharsets.UTF_8).contains("\n")) {
                assertThat(exit.isDone()).as("serve ended early: %s", err).isFalse();
                assertThat(System.nanoTime()).as("serve ready in time").isLessThan(deadline);
                Thread.sleep(100);
            }
            JsonNode ready = JSON.readTree(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
            String endpoint = ready.path("base_url").asText();
            String key = ready.path("api_key").asText();
            ApiTestClient api = new ApiTestClient(URI.create(endpoint), key);
            String image = ApiTestClient.frameImage(work);
            String done = api.submit(Map.of("model", "kling-v3-image-to-video", "prompt", "waves", "image_start", image, "duration", 3));
            String stopped = api.submit(Map.of("model", "kling-v3-image-to-video", "prompt", "gulls", "image_start", image, "duration", 3));

            Run got = cli("tasks", "get", done, "--endpoint", endpoint, "--api-key", key);
            assertThat(got.exit()).as(got.stderr()).isZero();
            assertThat(got.stdout().lines()).hasSize(1);
            assertThat(got.lastLine().path("id").asText()).isEqualTo(done);

            Run cancelled = cli("tasks", "cancel", stopped, "--endpoint", endpoint, "--api-key", key);
            assertThat(cancelled.exit()).as(cancelled.stderr()).isZero();
            assertThat(cancelled.lastLine().path("status").asText()).isEqualTo("cancelled");
            Run notDownloadable = cli("tasks", "download", stopped, "--endpoint", endpoint, "--api-key", key, "--out", work.resolve("v").toString());
            assertThat(notDownloadable.exit()).as("a cancelled task has no video").isEqualTo(1);

            api.awaitEnd(done, Duration.ofMinutes(2));
            Run downloaded = cli("tasks", "download", done, "--endpoint", endpoint, "--api-key", key, "--out", work.resolve("v").toString());
            assertThat(downloaded.exit()).as(downloaded.stderr()).isZero();
            JsonNode task = downloaded.lastLine();
            assertThat(task.path("status").asText()).isEqualTo("completed");
            Path video = Path.of(task.path("file").asText());
            assertThat(video).isEqualTo(work.resolve("v").resolve(done + ".mp4"));
            assertThat(Files.size(video)).isPositive();

            // Listed through the environment's endpoint and key, as a script would.
            Run listed = cliWithEnvironment(Map.of("REELAY_ENDPOINT", endpoint, "REELAY_API_KEY", key), "tasks", "list", "--limit", "5");
            assertThat(listed.exit()).as(listed.stderr()).isZero();
            List<String> ids = new ArrayList<>();
            listed.lastLine().path("data").forEach(item -> ids.add(item.path("id").asText()));
            assertThat(ids).contains(done, stopped);
            Run completedOnly = cli("tasks", "list", "--status", "completed", "--endpoint", endpoint, "--api-key", key);
            assertThat(completedOnly.lastLine().path("data")).allSatisfy(item -> assertThat(item.path("status").asText()).isEqualTo("completed"));

            Run usage = cli("usage", "--endpoint", endpoint, "--api-key", key);
            assertThat(usage.exit()).as(usage.stderr()).isZero();
            assertThat(usage.lastLine().path("object").asText()).isEqualTo("usage");
            assertThat(usage.lastLine().path("month").asText()).isEqualTo(YearMonth.now(ZoneOffset.UTC).toString());

            // Refusals: the API's error object is the last stdout line, exit 2.
            Run missing = cli("tasks", "get", "task-0-none", "--endpoint", endpoint, "--api-key", key);
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.lastLine().path("error").path("code").asText()).isNotEmpty();
            Run badMonth = cli("usage", "--month", "2026-13", "--endpoint", endpoint, "--api-key", key);
            assertThat(badMonth.exit()).isEqualTo(2);
            assertThat(badMonth.lastLine().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            Run badKey = cli("tasks", "list", "--endpoint", endpoint, "--api-key", "rly_not-a-key");
            assertThat(badKey.exit()).as("refused: 401 or 403").isEqualTo(2);

            // generate --endpoint: the file: URL goes through as image_start, the video is followed and downloaded.
            Run generated = cli("generate", "--endpoint", endpoint, "--api-key", key, "--image", image, "--prompt", "waves at dusk",
                    "--duration", "3", "--out", work.resolve("remote").toString());
            assertThat(generated.exit()).as(generated.stderr()).isZero();
            JsonNode made = generated.lastLine();
            assertThat(made.path("status").asText()).isEqualTo("completed");
            assertThat(Path.of(made.path("file").asText())).isEqualTo(work.resolve("remote").resolve(made.path("id").asText() + ".mp4"));
            assertThat(Files.size(Path.of(made.path("file").asText()))).isPositive();
            // A local file goes up through POST /v1/uploads and a presigned PUT: the task's image is an upload:// reference.
            Path localFile = Path.of(java.net.URI.create(image));
            Run uploaded = cli("generate", "--endpoint", endpoint, "--api-key", key, "--image", localFile.toString(),
                    "--prompt", "waves from a local file", "--duration", "3", "--out", work.resolve("uploaded").toString());
            assertThat(uploaded.exit()).as(uploaded.stderr()).isZero();
            assertThat(uploaded.lastLine().path("status").asText()).isEqualTo("completed");
            assertThat(Files.size(Path.of(uploaded.lastLine().path("file").asText()))).isPositive();
            Run refused = cli("generate", "--endpoint", endpoint, "--api-key", key, "--image", image, "--prompt", "waves", "--duration", "99");
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.lastLine().path("error").path("code").asText()).isEqualTo("invalid_duration");

            // batch --endpoint: the lines go as they are (a file: URL only a local API accepts); the same file again
            // follows the same batch (its Idempotency-Key), --new makes another.
            Path requests = work.resolve("two.jsonl");
            Files.writeString(requests, "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"a\",\"image_start\":\"" + image
                    + "\",\"duration\":3}\n{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"b\",\"image_start\":\"" + image
                    + "\",\"duration\":3}\n");
            Path batchOut = work.resolve("batch");
            Run batch = cli("batch", requests.toString(), "--endpoint", endpoint, "--api-key", key, "--out", batchOut.toString());
            assertThat(batch.exit()).as(batch.stderr()).isZero();
            JsonNode first = batch.lastLine();
            assertThat(first.path("status").asText()).isEqualTo("completed");
            assertThat(first.path("request_counts").path("completed").asInt()).isEqualTo(2);
            assertThat(first.path("results").asText()).isEqualTo(batchOut.resolve("two.results.jsonl").toString());
            List<String> results = Files.readAllLines(batchOut.resolve("two.results.jsonl"));
            assertThat(results).hasSize(2);
            for (String line : results) {
                JsonNode result = JSON.readTree(line);
                assertThat(result.path("status").asText()).isEqualTo("completed");
                assertThat(Files.size(Path.of(result.path("file").asText()))).isPositive();
            }
            Run again = cli("batch", requests.toString(), "--endpoint", endpoint, "--api-key", key, "--out", batchOut.toString());
            assertThat(again.exit()).as(again.stderr()).isZero();
            assertThat(again.lastLine().path("id").asText()).isEqualTo(first.path("id").asText());
            assertThat(again.stderr()).contains("made by an earlier run of the same requests");
            Run fresh = cli("batch", requests.toString(), "--new", "--endpoint", endpoint, "--api-key", key, "--out", batchOut.toString());
            assertThat(fresh.exit()).as(fresh.stderr()).isZero();
            assertThat(fresh.lastLine().path("id").asText()).isNotEqualTo(first.path("id").asText());
            Run refusedBatch = cli("batch", requests.toString(), "--endpoint", endpoint, "--api-key", key, "--callback-url", "ftp://x");
            assertThat(refusedBatch.exit()).isEqualTo(2);
            assertThat(refusedBatch.lastLine().path("error").path("param").asText()).isEqualTo("callback_url");
        } finally {
            serving.stopServing();
            assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
            pool.shutdownNow();
        }
    }

    private Run cliWithEnvironment(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve("elsewhere"), environment).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
