package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.metrics.Metric;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's "Done when", as a user would run it: one {@code ./reelay generate} in a JVM of its own with
 * {@code REELAY_LOG_FORMAT=json}. Every log line that names the task is a JSON line with its {@code taskId};
 * no line Reelay logs holds a secret; {@code .reelay/metrics/} holds EMF documents whose cost is the
 * task's {@code usage.cost_usd} and whose completion lag is its timeline's.
 */
class ObservabilityEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The lines of the vendors' sandboxes, which stand in for the vendors: not Reelay's log. */
    private static final String SANDBOX_LOGGERS = "dev.reelay.local.sandbox.";
    private static final Pattern CALLBACK_SECRET = Pattern.compile("/callbacks/[a-z]+/([A-Za-z0-9_-]{20,})");
    private static final Pattern WEBHOOK_SECRET = Pattern.compile("whsec_[A-Za-z0-9+/=]+");

    @TempDir
    static Path work;
    private static JsonNode task;
    private static List<String> stderrLines;
    private static List<JsonNode> metricDocuments;

    @BeforeAll
    static void generateOneVideoWithJsonLogs() throws Exception {
        String image = ApiTestClient.frameImage(work);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dreelay.home=" + RepoLayout.locate().root(), "-cp", System.getProperty("java.class.path"),
                Launcher.class.getName(), "generate", "--image", Path.of(java.net.URI.create(image)).toString(),
                "--prompt", "waves at dusk", "--duration", "3");
        Path stderr = work.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectError(stderr.toFile());
        builder.environment().put("REELAY_LOG_FORMAT", "json");
        // At DEBUG, so that "never logged" covers every level a deployment may choose.
        builder.environment().put("REELAY_LOG_LEVEL", "DEBUG");
        Process process = builder.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        stderrLines = Files.readAllLines(stderr);
        assertThat(process.exitValue()).as(String.join("\n", stderrLines)).isZero();
        task = JSON.readTree(stdout.lines().reduce((first, second) -> second).orElseThrow());
        assertThat(task.path("status").asText()).isEqualTo("completed");

        metricDocuments = new ArrayList<>();
        try (Stream<Path> files = Files.list(work.resolve(".reelay/metrics"))) {
            for (Path file : files.toList()) {
                for (String line : Files.readAllLines(file)) {
                    metricDocuments.add(JSON.readTree(line));
                }
            }
        }
    }

    @Test
    void everyLogLineThatNamesTheTaskIsJsonWithItsId() {
        String id = task.path("id").asText();
        List<String> naming = stderrLines.stream().filter(line -> line.contains(id)).toList();
        assertThat(naming).as("lines about the task").hasSizeGreaterThan(5);
        for (String line : naming) {
            JsonNode json = parse(line);
            assertThat(json).as("a JSON line: %s", line).isNotNull();
            assertThat(json.path("taskId").asText()).as(line).isEqualTo(id);
        }
        // The lines of the task's own work say who owns it, which vendor has it and what step they are.
        List<JsonNode> steps = naming.stream().map(ObservabilityEndToEndTest::parse)
                .filter(json -> json.path("logger").asText().startsWith("dev.reelay.application.")).toList();
        assertThat(steps).isNotEmpty().allSatisfy(json -> {
            assertThat(json.path("keyName").asText()).isEqualTo("default");
            assertThat(json.path("step").asText()).isNotBlank();
            assertThat(json.path("function").asText()).endsWith("Function");
            assertThat(json.path("level").asText()).matches("DEBUG|INFO|WARN|ERROR");
        });
        assertThat(steps).extracting(json -> json.path("step").asText())
                .contains("SubmitVideo", "SubmitToProvider", "ArchiveVideo", "SettleBilling");
        assertThat(steps).filteredOn(json -> json.path("step").asText().equals("SettleBilling"))
                .allSatisfy(json -> assertThat(json.path("provider").asText()).isEqualTo(task.path("task_info").path("provider").asText()));
    }

    @Test
    void noLineReelayLogsHoldsASecret() throws Exception {
        Set<String> secrets = new HashSet<>();
        secrets.add(Files.readString(work.resolve(".reelay/default-api-key")).strip());
        String all = String.join("\n", stderrLines);
        Matcher webhook = WEBHOOK_SECRET.matcher(all);
        while (webhook.find()) {
            secrets.add(webhook.group());
        }
        // The task's callback secret: the vendor's sandbox names the URL it calls back, as a vendor knows it.
        Matcher callback = CALLBACK_SECRET.matcher(all);
        while (callback.find()) {
            secrets.add(callback.group(1));
        }
        assertThat(secrets).as("API key, webhook secret and callback secret found").hasSizeGreaterThanOrEqualTo(3);

        List<JsonNode> reelayLines = stderrLines.stream().map(ObservabilityEndToEndTest::parse)
                .filter(json -> json != null && !json.path("logger").asText().startsWith(SANDBOX_LOGGERS)).toList();
        assertThat(reelayLines).hasSizeGreaterThan(10);
        for (JsonNode line : reelayLines) {
            for (String secret : secrets) {
                assertThat(line.toString()).as("a log line holds a secret").doesNotContain(secret);
            }
            // Nor any key, signing secret or credential of any kind, whoever's.
            assertThat(line.toString()).doesNotContainPattern("rly_[A-Za-z0-9_-]{20,}").doesNotContain("whsec_")
                    .doesNotContainIgnoringCase("bearer ").doesNotContainIgnoringCase("authorization");
        }
    }

    @Test
    void theMetricsTellTheTasksCostAndItsTimeline() {
        String id = task.path("id").asText();
        List<JsonNode> ours = metricDocuments.stream().filter(doc -> doc.path("taskId").asText().equals(id)).toList();
        Set<String> names = Arrays.stream(Metric.values()).map(Metric::metricName).collect(Collectors.toSet());
        for (JsonNode doc : ours) {
            JsonNode directive = doc.path("_aws").path("CloudWatchMetrics").get(0);
            assertThat(directive.path("Namespace").asText()).isEqualTo(Metric.NAMESPACE);
            directive.path("Metrics").forEach(metric -> {
                assertThat(names).contains(metric.path("Name").asText());
                assertThat(doc.has(metric.path("Name").asText())).as("the value is a root member").isTrue();
            });
            directive.path("Dimensions").forEach(set -> set.forEach(key -> assertThat(doc.has(key.asText())).isTrue()));
        }

        BigDecimal cost = ours.stream().filter(doc -> doc.has("CostUsd"))
                .map(doc -> doc.path("CostUsd").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(cost).isEqualByComparingTo(task.path("usage").path("cost_usd").decimalValue());
        assertThat(ours.stream().filter(doc -> doc.has("BilledSeconds")).mapToInt(doc -> doc.path("BilledSeconds").asInt()).sum())
                .isEqualTo(task.path("usage").path("billed_seconds").asInt());

        Map<String, Instant> times = ApiTestClient.times(task);
        long lagOnTimeline = Duration.between(times.get("provider_completed"), times.get("billed")).toMillis();
        JsonNode lag = ours.stream().filter(doc -> doc.has("CompletionLag")).findFirst().orElseThrow();
        assertThat(lag.path("CompletionLag").asDouble()).isCloseTo(lagOnTimeline, org.assertj.core.data.Offset.offset(1.0));
        String detail = stream(task.path("timeline")).filter(e -> e.path("event").asText().equals("provider_completed"))
                .findFirst().orElseThrow().path("detail").asText();
        assertThat(lag.path("Resumption").asText()).isEqualTo(detail).isIn("callback", "polled");

        assertThat(ours).filteredOn(doc -> doc.has("TasksCompleted")).singleElement()
                .satisfies(doc -> assertThat(doc.path("Provider").asText()).isEqualTo(task.path("task_info").path("provider").asText()));
        assertThat(ours).filteredOn(doc -> doc.has("TasksAccepted")).hasSize(1);
        assertThat(ours).filteredOn(doc -> doc.has("VendorJobsSubmitted")).hasSize(1);
        assertThat(ours).filteredOn(doc -> doc.has("ArchiveBytes")).singleElement()
                .satisfies(doc -> assertThat(doc.path("ArchiveBytes").asLong()).isEqualTo(task.path("result").path("bytes").asLong()));
    }

    @Test
    void eachFunctionWritesItsOwnFile() throws Exception {
        try (Stream<Path> files = Files.list(work.resolve(".reelay/metrics"))) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .contains("SubmitVideoFunction.jsonl", "SubmitToProviderFunction.jsonl", "ArchiveVideoFunction.jsonl",
                            "SettleBillingFunction.jsonl")
                    .doesNotContain("unknown-function.jsonl");
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static JsonNode parse(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            return null;
        }
    }
}
