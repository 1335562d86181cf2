package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's "progress people can read", as a user meets it: {@code ./reelay generate} in a JVM of its own,
 * its stderr a file (so plain progress lines). Without {@code --verbose} the stack's log goes to
 * {@code .reelay/logs/} and stderr is a few lines ending with the summary; with it, the log is on stderr.
 */
class GenerateOutputEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A line of the stack's text log: {@code 14:22:05.123 INFO  d.r.a.SubmitVideoGeneration ...}. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) .*");

    @TempDir
    Path work;

    private record Run(int exit, JsonNode task, List<String> stderr) {
    }

    private Run generate(String... more) throws Exception {
        String image = Path.of(java.net.URI.create(ApiTestClient.frameImage(work))).toString();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dreelay.home=" + RepoLayout.locate().root(), "-cp", System.getProperty("java.class.path"),
                Launcher.class.getName(), "generate", "--image", image, "--prompt", "waves at dusk", "--duration", "3",
                "--render-delay", "0"));
        command.addAll(List.of(more));
        Path stderr = Files.createTempFile(work, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectError(stderr.toFile());
        builder.environment().remove("REELAY_LOG_FORMAT");
        Process process = builder.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        List<String> lines = Files.readAllLines(stderr);
        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        JsonNode task = JSON.readTree(stdout.lines().reduce((first, second) -> second).orElseThrow());
        return new Run(process.exitValue(), task, lines);
    }

    private List<Path> logFiles() throws Exception {
        Path logs = work.resolve(".reelay/logs");
        if (!Files.isDirectory(logs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(logs)) {
            return files.toList();
        }
    }

    @Test
    void withoutVerboseTheStackLogsToReelayLogsAndStderrIsShortWithASummaryWithVerboseTheLogIsOnStderr() throws Exception {
        Run quiet = generate();
        String id = quiet.task().path("id").asText();
        String all = String.join("\n", quiet.stderr());
        assertThat(quiet.task().path("status").asText()).isEqualTo("completed");
        assertThat(quiet.stderr()).as(all).hasSizeLessThan(15).noneMatch(line -> LOG_LINE.matcher(line).matches());
        assertThat(all).doesNotContain("\r").doesNotContain("Initializing DynamoDB Local");
        assertThat(quiet.stderr().get(0)).startsWith("Starting the local stack").contains(".reelay/logs/generate-");
        assertThat(quiet.stderr()).anyMatch(line -> line.matches("\\[ *\\d+\\.\\ds\\] processing · \\w+ \\d+%"));
        String file = quiet.task().path("file").asText();
        assertThat(quiet.stderr().get(quiet.stderr().size() - 1))
                .matches("Done in \\d+\\.\\d s: " + Pattern.quote(file) + " \\(3 s video, [0-9.]+ [kM]B, "
                        + Pattern.quote(quiet.task().path("usage").path("cost_usd").asText()) + " USD\\)");

        List<Path> logs = logFiles();
        assertThat(logs).hasSize(1);
        assertThat(logs.get(0).getFileName().toString()).matches("generate-\\d{8}-\\d{6}-\\d+\\.log");
        assertThat(quiet.stderr().get(0)).contains(logs.get(0).getFileName().toString());
        String log = Files.readString(logs.get(0));
        assertThat(log).contains("Initializing DynamoDB Local").contains("Local stack up").contains("[" + id + "]");

        Run verbose = generate("--verbose");
        String verboseId = verbose.task().path("id").asText();
        assertThat(verbose.stderr()).anyMatch(line -> LOG_LINE.matcher(line).matches() && line.contains("Local stack up"))
                .anyMatch(line -> LOG_LINE.matcher(line).matches() && line.contains("[" + verboseId + "]"));
        assertThat(verbose.stderr()).anyMatch(line -> line.startsWith("Done in "));
        assertThat(logFiles()).as("--verbose writes no log file").hasSize(1);
    }
}
