package dev.reelay.adapter.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.Metric.Dimension;
import dev.reelay.domain.metrics.MetricEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The EMF documents the local stack writes are what CloudWatch would ingest: checked against the EMF specification's rules. */
class EmfMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eachEventIsOneDocumentInItsFunctionsFileWithItsDimensionsAndATotal() throws Exception {
        AtomicReference<String> function = new AtomicReference<>("SettleBillingFunction");
        EmfMetrics metrics = EmfMetrics.toFiles(dir, function::get);

        metrics.emit(MetricEvent.of(Metric.COST_USD, 0.375).value(Metric.BILLED_SECONDS, 5)
                .dimension(Dimension.PROVIDER, "kling").property("taskId", "task-1").build());
        function.set("SubmitVideoFunction");
        metrics.emit(MetricEvent.of(Metric.TASKS_CANCELLED, 1).build());

        List<String> lines = Files.readAllLines(dir.resolve("SettleBillingFunction.jsonl"));
        assertThat(lines).hasSize(1);
        JsonNode doc = JSON.readTree(lines.get(0));
        JsonNode directive = doc.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(doc.path("_aws").path("Timestamp").asLong()).isPositive();
        assertThat(directive.path("Namespace").asText()).isEqualTo("Reelay");
        assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"Provider\"],[]]");
        assertThat(directive.path("Metrics").findValuesAsText("Name")).containsExactlyInAnyOrder("CostUsd", "BilledSeconds");
        assertThat(directive.path("Metrics").findValuesAsText("Unit")).containsExactlyInAnyOrder("None", "Seconds");
        assertThat(doc.path("CostUsd").asDouble()).isEqualTo(0.375);
        assertThat(doc.path("BilledSeconds").asDouble()).isEqualTo(5);
        assertThat(doc.path("Provider").asText()).isEqualTo("kling");
        assertThat(doc.path("taskId").asText()).isEqualTo("task-1");

        JsonNode cancelled = JSON.readTree(Files.readAllLines(dir.resolve("SubmitVideoFunction.jsonl")).get(0));
        assertThat(cancelled.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").toString()).isEqualTo("[[]]");
        assertThat(cancelled.path("TasksCancelled").asDouble()).isEqualTo(1);
    }

    @Test
    void aMetricThatCannotBeWrittenIsLoggedAndTheWorkGoesOn() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
        EmfMetrics metrics = EmfMetrics.toFiles(notADirectory, () -> "SubmitVideoFunction");

        assertThatCode(() -> metrics.emit(MetricEvent.of(Metric.TASKS_CANCELLED, 1).build())).doesNotThrowAnyException();
        assertThat(Files.readString(notADirectory)).isEqualTo("x");
    }

    @Test
    void withoutAFunctionNameTheDocumentsStillLandSomewhereNamed() throws Exception {
        EmfMetrics.toFiles(dir, () -> null).emit(MetricEvent.of(Metric.TASKS_CANCELLED, 1).build());
        EmfMetrics.toFiles(dir, () -> "../escape").emit(MetricEvent.of(Metric.TASKS_CANCELLED, 1).build());

        assertThat(Files.readAllLines(dir.resolve("unknown-function.jsonl"))).hasSize(2);
    }
}
