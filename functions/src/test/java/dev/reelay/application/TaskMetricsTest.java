package dev.reelay.application;

import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.Metric.Dimension;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.MutableClock;
import dev.reelay.testing.Providers;
import dev.reelay.testing.Queues;
import dev.reelay.testing.RecordingMetrics;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The metrics a task's life publishes, checked against the task and its timeline (docs/operations.md, "Metrics"). */
class TaskMetricsTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final FakeProvider provider = new FakeProvider("cheap");
    private final FakeProvider pricier = new FakeProvider("pricier");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T01:00:00Z"));
    private final ProviderTable table = new ProviderTable(List.of(Providers.profile("pricier", "0.1"), Providers.profile("cheap", "0.075")));
    private final InMemoryArchive archive = new InMemoryArchive();
    private final ProviderRouter router = Providers.router(table, clock, provider, pricier);
    private final VideoGenerationSteps steps = new VideoGenerationSteps(store, router, archive, archive.inputs(),
            new PollingPolicy(10, 60, 2.0, Duration.ofMinutes(30), 5), new InMemoryProviderCallbacks(), Optional.empty(),
            Queues.open(store, router, new RecordingWorkflow(), clock), clock, metrics);

    private String accepted(String id, Quality quality) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, quality, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(quality, Sound.OFF, 5);
        store.create(Task.accepted(id, "team-a", clock.instant(), request, "inputs/" + id + "/image_start.jpeg", null, quote));
        return id;
    }

    private WorkflowState renderedAndBilled(String id, boolean viaCallback) {
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        clock.advance(Duration.ofSeconds(42));
        provider.status = new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://cdn.example/v.mp4"), null);
        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        WorkflowState ready = viaCallback ? steps.afterStatus(state, provider.status, TaskMetrics.VIA_CALLBACK) : steps.checkStatus(state);
        clock.advance(Duration.ofMillis(1_234));
        steps.archiveVideo(ready);
        clock.advance(Duration.ofMillis(250));
        steps.settleBilling(ready);
        return ready;
    }

    @Test
    void aBilledTaskPublishesItsBillRenderTimeAndCompletionLagAsItsTimelineTellsThem() {
        String id = accepted("task-1", Quality.P1080);
        renderedAndBilled(id, false);
        Task task = store.find(id).orElseThrow();

        MetricEvent completed = metrics.of(Metric.TASKS_COMPLETED).get(0);
        assertThat(completed.dimensions()).isEqualTo(Map.of(Dimension.PROVIDER, "cheap", Dimension.QUALITY, "1080p"));
        assertThat(completed.properties()).containsEntry(TaskLog.TASK_ID, id);
        assertThat(metrics.sum(Metric.COST_USD)).isEqualTo(task.charged().costUsd().doubleValue()).isPositive();
        assertThat(metrics.sum(Metric.BILLED_SECONDS)).isEqualTo(task.charged().billedSeconds());

        Instant done = at(task, TimelineEvent.PROVIDER_COMPLETED);
        MetricEvent lag = metrics.of(Metric.COMPLETION_LAG).get(0);
        assertThat(lag.value(Metric.COMPLETION_LAG)).isEqualTo(Duration.between(done, at(task, TimelineEvent.BILLED)).toMillis())
                .isEqualTo(1_484);
        assertThat(lag.dimensions()).isEqualTo(Map.of(Dimension.RESUMPTION, "polled"));
        assertThat(metrics.of(Metric.RENDER_TIME).get(0).value(Metric.RENDER_TIME))
                .isEqualTo(Duration.between(at(task, TimelineEvent.PROVIDER_SUBMITTED), done).toMillis() / 1000.0).isEqualTo(42.0);
        assertThat(metrics.of(Metric.ARCHIVE_BYTES).get(0).value(Metric.ARCHIVE_BYTES)).isEqualTo(8);
        assertThat(metrics.of(Metric.VENDOR_JOBS_SUBMITTED)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).isEqualTo(Map.of(Dimension.PROVIDER, "cheap")));
        assertThat(metrics.of(Metric.QUEUE_WAIT)).singleElement().satisfies(e -> assertThat(e.value(Metric.QUEUE_WAIT)).isZero());
    }

    @Test
    void aCallbackResumedTaskSaysSoAndIsBilledOnce() {
        String id = accepted("task-2", Quality.P720);
        WorkflowState ready = renderedAndBilled(id, true);
        steps.settleBilling(ready); // a retried step

        assertThat(metrics.of(Metric.COMPLETION_LAG)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).containsEntry(Dimension.RESUMPTION, "callback"));
        assertThat(metrics.of(Metric.TASKS_COMPLETED)).hasSize(1);
        assertThat(metrics.of(Metric.COST_USD)).hasSize(1);
    }

    @Test
    void aVendorThatDoesNotTakeTheJobCountsAsAnErrorAndAFailover() {
        String id = accepted("task-3", Quality.P720);
        provider.refusals.push(new ProviderException("cheap", ProviderErrorKind.PROVIDER_UNAVAILABLE, 503, null, "cheap answered 503"));
        steps.submitToProvider(WorkflowState.start(id));

        assertThat(metrics.of(Metric.FAILOVERS)).singleElement().satisfies(e -> {
            assertThat(e.dimensions()).isEqualTo(Map.of(Dimension.PROVIDER, "cheap"));
            assertThat(e.value(Metric.VENDOR_ERRORS)).isEqualTo(1);
            assertThat(e.value(Metric.VENDOR_SUBMIT_LATENCY)).isNotNegative();
        });
        assertThat(metrics.of(Metric.VENDOR_JOBS_SUBMITTED)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).isEqualTo(Map.of(Dimension.PROVIDER, "pricier")));
    }

    @Test
    void aFailedJobCountsAgainstItsVendorAndTheTaskFailsWithItsCode() {
        String id = accepted("task-4", Quality.P720);
        WorkflowState state = steps.submitToProvider(WorkflowState.start(id));
        provider.status = new JobStatus(JobState.FAILED, 30, null, "boom");
        steps.recordFailure(steps.checkStatus(state));

        assertThat(metrics.of(Metric.VENDOR_ERRORS)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).containsEntry(Dimension.PROVIDER, "cheap"));
        assertThat(metrics.of(Metric.TASKS_FAILED)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).isEqualTo(Map.of(Dimension.CODE, "provider_failed")));
        assertThat(metrics.of(Metric.COST_USD)).isEmpty();
    }

    @Test
    void anEventRefusesDimensionsItsMetricDoesNotTake() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricEvent.of(Metric.COST_USD, 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CostUsd takes dimensions [Provider]");
        assertThat(MetricEvent.of(Metric.COST_USD, 1).dimension(Dimension.PROVIDER, null).build().dimensions())
                .containsEntry(Dimension.PROVIDER, "none");
    }

    private static Instant at(Task task, String event) {
        return task.timeline().stream().filter(e -> e.event().equals(event)).reduce((a, b) -> b).orElseThrow().at();
    }
}
