package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./reelay batch FILE.jsonl} on the embedded local stack, run in-process on a state directory of its
 * own: a file of five requests, one of them invalid, ends with four videos (real MP4s), a results file of
 * five lines in the file's order and exit 1; a file with a line that is not JSON is refused (exit 2)
 * before anything starts or is made.
 */
class BatchCliEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private record Run(int exit, String stdout, String stderr) {
        JsonNode lastLine() throws Exception {
            List<String> lines = stdout.lines().toList();
            assertThat(lines).as("stdout; stderr: %s", stderr).isNotEmpty();
            return JSON.readTree(lines.get(lines.size() - 1));
        }
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve(".reelay"), Map.of()).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String request(String prompt, String image, Object duration) {
        return "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"" + prompt + "\",\"image_start\":\"" + image + "\",\"duration\":"
                + duration + "}";
    }

    @Test
    void aFileOfFiveWithOneInvalidRequestDownloadsFourVideosAndWritesFiveResultsInOrder() throws Exception {
        Path folder = Files.createDirectories(work.resolve("requests"));
        Path image = Path.of(URI.create(ApiTestClient.frameImage(folder)));
        // Relative to the file's folder, absolute, and a file: URL: all three are the same image.
        Path file = folder.resolve("waves.jsonl");
        Files.writeString(file, String.join("\n",
                request("wave 0", "frame.png", 3),
                request("wave 1", image.toString(), 3),
                "",
                request("wave 2", image.toUri().toString(), 99),
                request("wave 3", "frame.png", 3),
                request("wave 4", "./frame.png", 3)) + "\n");
        Path out = work.resolve("out");

        Run batch = run("batch", file.toString(), "--out", out.toString(), "--render-delay", "0", "--progress", "plain");

        assertThat(batch.exit()).as(batch.stderr()).isEqualTo(1);
        JsonNode last = batch.lastLine();
        String batchId = last.path("id").asText();
        assertThat(batchId).startsWith("batch-");
        assertThat(last.path("object").asText()).isEqualTo("batch");
        assertThat(last.path("status").asText()).isEqualTo("completed");
        JsonNode counts = last.path("request_counts");
        assertThat(counts.path("total").asInt()).isEqualTo(5);
        assertThat(counts.path("completed").asInt()).as(last.toString()).isEqualTo(4);
        assertThat(counts.path("refused").asInt()).isEqualTo(1);
        assertThat(last.path("errors").get(0).path("index").asInt()).isEqualTo(2);
        Path resultsFile = out.resolve("waves.results.jsonl");
        assertThat(last.path("results").asText()).isEqualTo(resultsFile.toString());
        assertThat(batch.stderr()).contains("Batch " + batchId + " accepted: 5 requests")
                .contains("Batch " + batchId + " completed in").contains("4 of 5 completed, 1 refused");

        List<JsonNode> results = new ArrayList<>();
        for (String line : Files.readAllLines(resultsFile)) {
            results.add(JSON.readTree(line));
        }
        assertThat(results).hasSize(5);
        List<Integer> lines = List.of(1, 2, 4, 5, 6);
        for (int index = 0; index < 5; index++) {
            JsonNode result = results.get(index);
            assertThat(result.path("index").asInt()).isEqualTo(index);
            assertThat(result.path("line").asInt()).isEqualTo(lines.get(index));
            if (index == 2) {
                assertThat(result.path("status").asText()).isEqualTo("refused");
                assertThat(result.path("task_id").isNull()).isTrue();
                assertThat(result.path("file").isNull()).isTrue();
                assertThat(result.path("error").path("code").asText()).isEqualTo(last.path("errors").get(0).path("error").path("code").asText())
                        .isNotBlank();
                assertThat(result.path("error").path("param").asText()).isEqualTo("duration");
                continue;
            }
            assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("completed");
            String taskId = result.path("task_id").asText();
            assertThat(taskId).startsWith("task-");
            Path video = Path.of(result.path("file").asText());
            assertThat(video).isEqualTo(out.resolve(taskId + ".mp4"));
            assertThat(isMp4(video)).as(video.toString()).isTrue();
            assertThat(result.path("cost_usd").decimalValue()).isPositive();
            assertThat(result.path("error").isNull()).isTrue();
        }
        try (Stream<Path> videos = Files.list(out)) {
            assertThat(videos.filter(path -> path.toString().endsWith(".mp4"))).hasSize(4);
        }
        assertThat(results.stream().map(result -> result.path("task_id").asText()).distinct()).hasSize(5);
    }

    @Test
    void aLineThatIsNotAJsonObjectIsRefusedBeforeAnythingStarts() throws Exception {
        Path file = work.resolve("broken.jsonl");
        Files.writeString(file, String.join("\n",
                request("wave 0", "frame.png", 3),
                "{\"model\": \"kling-v3-image-to-video\",",
                "",
                "[1, 2]",
                request("wave 3", "frame.png", 3)) + "\n");
        Path out = work.resolve("out");

        Run broken = run("batch", file.toString(), "--out", out.toString(), "--render-delay", "0");

        assertThat(broken.exit()).as(broken.stderr()).isEqualTo(2);
        assertThat(broken.stdout()).isEmpty();
        assertThat(broken.stderr()).contains("2 lines are not a generation request").contains("line 2: not JSON")
                .contains("line 4: a JSON array, not an object").contains("nothing was sent").doesNotContain("Starting the local stack");
        assertThat(out).doesNotExist();
        assertThat(work.resolve(".reelay")).doesNotExist();
    }

    /** An MP4 starts with its {@code ftyp} box: a 4-byte size, then "ftyp". */
    private static boolean isMp4(Path video) throws Exception {
        byte[] head = new byte[8];
        try (InputStream in = Files.newInputStream(video)) {
            if (in.readNBytes(head, 0, 8) < 8) {
                return false;
            }
        }
        return new String(head, 4, 4, StandardCharsets.US_ASCII).equals("ftyp") && Files.size(video) > 1000;
    }
}
