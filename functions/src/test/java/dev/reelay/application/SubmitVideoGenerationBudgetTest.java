package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.StagedInputs;
import dev.reelay.port.Workflow;
import dev.reelay.testing.FixedImageSource;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.TestImages;
import dev.reelay.testing.InMemoryBudgets;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Budgets at submission, with in-memory ports: the most a request can cost is reserved after the
 * idempotency claim and before anything is staged, recorded or started, and given back when the
 * submission stops before its task is recorded.
 */
class SubmitVideoGenerationBudgetTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private static final String IMAGE = "https://images.example.com/beach.jpg";
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final String MONTH = "2026-11";

    private final InMemoryBudgets budgets = new InMemoryBudgets();
    private final InMemoryTaskStore store = new InMemoryTaskStore(budgets);
    private final InMemoryApiKeys keys = new InMemoryApiKeys();
    private final InMemoryArchive archive = new InMemoryArchive();
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
    private final AtomicInteger ids = new AtomicInteger();
    // Three vendors at 0.075, 0.08 and 0.09 a second: 5 s cost 0.375 at the cheapest, 0.45 at the dearest.
    private final ProviderTable providers = new ProviderTable(List.of(Providers.profile("unified", "0.075"),
            Providers.profile("apimart", "0.08"), Providers.profile("gateway", "0.09")));

    private SubmitVideoGeneration submit(StagedInputs inputs, Workflow workflow) throws IOException {
        return new SubmitVideoGeneration(new GenerationRequestParser(), new FixedImageSource(Map.of(IMAGE, TestImages.jpeg(1280, 720))), inputs,
                providers, store, workflow, Clock.fixed(NOW, ZoneOffset.UTC), () -> "task-" + ids.incrementAndGet(),
                idempotency, keys, budgets, metrics);
    }

    private SubmitVideoGeneration submit() throws IOException {
        return submit(archive.inputs(), workflow);
    }

    private static Map<String, Object> body(Object... extra) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", IMAGE, "duration", 5));
        for (int i = 0; i < extra.length; i += 2) {
            body.put((String) extra[i], extra[i + 1]);
        }
        return body;
    }

    /** {@link #keys}, counting the reads by name. */
    private final class CountedKeys implements dev.reelay.port.ApiKeys {
        final AtomicInteger readsByName = new AtomicInteger();

        @Override
        public CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, Integer maxConcurrency) {
            return keys.create(name, monthlyBudgetUsd, maxConcurrency);
        }

        @Override
        public java.util.Optional<dev.reelay.domain.apikey.ApiKey> findBySecret(String presentedSecret) {
            return keys.findBySecret(presentedSecret);
        }

        @Override
        public java.util.Optional<dev.reelay.domain.apikey.ApiKey> findByName(String name) {
            readsByName.incrementAndGet();
            return keys.findByName(name);
        }

        @Override
        public List<dev.reelay.domain.apikey.ApiKey> list() {
            return keys.list();
        }

        @Override
        public boolean revoke(String name) {
            return keys.revoke(name);
        }
    }

    private SubmitVideoGeneration submit(CountedKeys counted) throws IOException {
        return new SubmitVideoGeneration(new GenerationRequestParser(), new FixedImageSource(Map.of(IMAGE, TestImages.jpeg(1280, 720))),
                archive.inputs(), providers, store, workflow, Clock.fixed(NOW, ZoneOffset.UTC), () -> "task-" + ids.incrementAndGet(),
                idempotency, counted, budgets, metrics);
    }

    @Test
    void aKeysBudgetIsReadOnceAndStillHeldOnEverySubmission() throws IOException {
        keys.create("team-a", new BigDecimal("1.00"));
        CountedKeys counted = new CountedKeys();
        SubmitVideoGeneration submit = submit(counted);

        submit.submit("team-a", body());
        submit.submit("team-a", body());

        // The budget never changes once the key exists: the second submission does not read it again,
        // yet the third, over budget, is still refused.
        assertThat(counted.readsByName).hasValue(1);
        assertThatThrownBy(() -> submit.submit("team-a", body())).isInstanceOf(QuotaExceededException.class);
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(900_000);
    }

    @Test
    void anOwnerThatIsNoKeyIsLookedUpAgainAndGetsTheBudgetOfTheKeyMadeSince() throws IOException {
        CountedKeys counted = new CountedKeys();
        SubmitVideoGeneration submit = submit(counted);
        submit.submit("team-b", body());

        keys.create("team-b", new BigDecimal("1.00"));
        submit.submit("team-b", body());

        // 0.45 held without a budget, 0.45 more within it; a third is over it.
        assertThatThrownBy(() -> submit.submit("team-b", body())).isInstanceOf(QuotaExceededException.class);
        assertThat(counted.readsByName).hasValue(2);
    }

    @Test
    void theDearestCandidatesQuoteIsReservedWhileTheTaskIsQuotedTheCheapest() throws IOException {
        keys.create("team-a", new BigDecimal("10"));

        Task task = submit().submit("team-a", body());

        assertThat(task.quote().costUsd()).isEqualByComparingTo("0.375");
        assertThat(store.reservation(task.id()).micros()).isEqualTo(450_000);
        assertThat(store.reservation(task.id()).month()).isEqualTo(MONTH);
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(450_000);
        assertThat(workflow.started).containsExactly(task.id());
    }

    @Test
    void aPinnedVendorReservesOnlyItsOwnPrice() throws IOException {
        keys.create("team-a", new BigDecimal("10"));

        Task task = submit().submit("team-a", body("provider", "apimart"));

        assertThat(store.reservation(task.id()).micros()).isEqualTo(400_000);
    }

    @Test
    void overBudgetIsRefusedBeforeAnythingIsStagedRecordedOrStarted() throws IOException {
        keys.create("team-a", new BigDecimal("1.00"));
        SubmitVideoGeneration submit = submit();
        submit.submit("team-a", body());
        submit.submit("team-a", body());
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(900_000);
        int objectsBefore = archive.objects.size();

        assertThatThrownBy(() -> submit.submit("team-a", body())).isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("$0.45").hasMessageContaining("only $0.10");

        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(900_000);
        assertThat(workflow.started).hasSize(2);
        assertThat(store.find("task-3")).isEmpty();
        assertThat(archive.objects).hasSize(objectsBefore);
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.TASKS_ACCEPTED)).hasSize(2)
                .allSatisfy(e -> assertThat(e.dimensions()).isEqualTo(java.util.Map.of("Quality", "720p")));
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.TASKS_REFUSED)).singleElement()
                .satisfies(e -> assertThat(e.dimensions()).isEqualTo(java.util.Map.of("Code", "insufficient_quota")));
    }

    @Test
    void anAmountLargerThanTheWholeBudgetIsRefusedAtOnce() throws IOException {
        keys.create("tiny", new BigDecimal("0.10"));

        assertThatThrownBy(() -> submit().submit("tiny", body())).isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("only $0.10");
        assertThat(budgets.committed("tiny", MONTH)).isZero();
    }

    @Test
    void keysWithoutABudgetStillCountWhatTheyCommit() throws IOException {
        keys.create("unlimited", null);

        for (int i = 0; i < 30; i++) {
            submit().submit("unlimited", body());
        }

        assertThat(budgets.committed("unlimited", MONTH)).isEqualTo(30 * 450_000);
    }

    @Test
    void anIdempotentRepeatReservesNothingMore() throws IOException {
        keys.create("team-a", new BigDecimal("10"));
        SubmitVideoGeneration submit = submit();

        Task first = submit.submit("team-a", body(), "order-1");
        Task again = submit.submit("team-a", body(), "order-1");

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(budgets.reserved).hasSize(1);
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.TASKS_ACCEPTED)).as("a repeat is no new task").hasSize(1);
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(450_000);
    }

    @Test
    void aRefusalFreesTheIdempotencyKeySoARetryAfterMoreBudgetCanUseIt() throws IOException {
        keys.create("team-a", new BigDecimal("0.50"));
        SubmitVideoGeneration submit = submit();
        submit.submit("team-a", body("provider", "unified"));

        assertThatThrownBy(() -> submit.submit("team-a", body(), "order-2")).isInstanceOf(QuotaExceededException.class);

        // The key was given up: claiming it again succeeds (it is not left pointing at a task that never existed).
        assertThat(idempotency.claim("team-a", "order-2", "hash", "task-x").claimedNow()).isTrue();
    }

    @Test
    void aFailureWhileStagingGivesTheReservationBack() throws IOException {
        keys.create("team-a", new BigDecimal("10"));
        archive.failStaging(1, name -> new IllegalStateException("S3 refused staging " + name));

        assertThatThrownBy(() -> submit(archive.inputs(), workflow).submit("team-a", body(), "order-3"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("staging");

        assertThat(budgets.reserved).hasSize(1);
        assertThat(budgets.committed("team-a", MONTH)).isZero();
        assertThat(store.find("task-1")).isEmpty();
        assertThat(idempotency.claim("team-a", "order-3", "hash", "task-y").claimedNow()).isTrue();
    }

    @Test
    void aWorkflowThatCannotStartFailsTheTaskAndThatReleasesItsReservation() throws IOException {
        keys.create("team-a", new BigDecimal("10"));
        workflow.failStarts();

        assertThatThrownBy(() -> submit(archive.inputs(), workflow).submit("team-a", body())).hasMessageContaining("try again");

        assertThat(store.find("task-1").orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(budgets.committed("team-a", MONTH)).isZero();
    }

    @Test
    void completionSettlesTheReservationToTheChargeAndFailureReleasesItOnce() throws IOException {
        keys.create("team-a", new BigDecimal("10"));
        SubmitVideoGeneration submit = submit();
        Task completed = submit.submit("team-a", body());
        Task failed = submit.submit("team-a", body());
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(900_000);

        store.settle(completed.id(), completed.quote(), TimelineEvent.of(TimelineEvent.BILLED, NOW));
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(375_000 + 450_000);

        Failure failure = new Failure("provider_failed", "no");
        store.markFailed(failed.id(), failure, new TimelineEvent(TimelineEvent.FAILED, NOW, "provider_failed"));
        store.markFailed(failed.id(), failure, new TimelineEvent(TimelineEvent.FAILED, NOW, "provider_failed"));
        assertThat(budgets.committed("team-a", MONTH)).isEqualTo(375_000);
        assertThat(Quote.FREE.costMicros()).isZero();
        assertThat(MonthlyBudget.usd(budgets.committed("team-a", MONTH))).isEqualTo("$0.375");
    }

}
