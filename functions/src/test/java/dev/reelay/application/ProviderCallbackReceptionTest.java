package dev.reelay.application;

import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient.CallbackReport;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import dev.reelay.testing.Queues;
import dev.reelay.testing.RecordingMetrics;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A vendor's callback on a task's own URL, for the cases the end-to-end tests reach only by timing. */
class ProviderCallbackReceptionTest {
    private final Instant now = Instant.parse("2026-11-23T01:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final FakeProvider provider = new FakeProvider("cheap");
    private final ProviderTable table = new ProviderTable(List.of(Providers.profile("cheap", "0.075")));
    private final ProviderRouter router = Providers.router(table, clock, provider);
    private final InMemoryProviderCallbacks callbacks = new InMemoryProviderCallbacks();
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryArchive archive = new InMemoryArchive();
    private final VideoGenerationSteps steps = new VideoGenerationSteps(store, router, archive, archive.inputs(),
            new PollingPolicy(10, 60, 2.0, Duration.ofMinutes(30), 5), callbacks, Optional.empty(),
            Queues.open(store, router, workflow, clock), clock, new RecordingMetrics());
    private final ProviderCallbackReception reception = new ProviderCallbackReception(callbacks, router, store, workflow, steps, clock);

    /**
     * The owner cancelled the task while its submission had no answer; the vendor then calls back with
     * the job. The job is asked to stop and noted on the timeline, and the callback is answered as
     * received (not as an error, which the vendor would retry), however often it comes.
     */
    @Test
    void aCallbackNamingAJobOfATaskCancelledDuringItsSubmissionStopsTheJobAndIsReceived() {
        String id = "task-late-1";
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        store.create(Task.accepted(id, "default", now, request, "inputs/" + id + "/image_start.jpeg", null,
                Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5)));
        assertThat(store.markSubmitting(id, new PendingSubmission("cheap", now))).isTrue();
        assertThat(store.markCancelled(id, null, Quote.FREE, new TimelineEvent(TimelineEvent.CANCELLED, now, "by its owner"))).isTrue();
        String secret = callbacks.secretFor(id);
        provider.callback = new CallbackReport("cheap-late", new JobStatus(JobState.SUCCEEDED, 100, null, null));
        provider.cancels = true;
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

        assertThat(reception.receive("cheap", secret, body)).isEqualTo(ProviderCallbackReception.Outcome.IGNORED);
        assertThat(reception.receive("cheap", secret, body)).isEqualTo(ProviderCallbackReception.Outcome.IGNORED);

        Task task = store.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(task.charged().costUsd()).isZero();
        assertThat(provider.cancelRequests).contains("cheap-late");
        assertThat(task.timeline()).filteredOn(event -> event.event().equals(VideoGenerationSteps.LATE_PROVIDER_JOB)).hasSize(1);
        assertThat(workflow.resumed).isEmpty();
    }
}
