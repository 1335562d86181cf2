package dev.reelay.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.AdvanceBatch.Next;
import dev.reelay.application.AdvanceBatch.Step;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.webhook.StandardWebhookSigner;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.WebhookSender;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.reelay.application.BatchRig.OWNER;
import static dev.reelay.application.BatchRig.batchBody;
import static dev.reelay.application.BatchRig.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The batch workflow's one step, run again and again as its state machine would, on in-memory ports. */
class AdvanceBatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOOK = "https://hooks.example.com/reelay/batches";

    private final BatchRig rig = new BatchRig();

    private Batch create(List<?> requests, String callbackUrl) {
        return rig.createBatch.create(OWNER, batchBody(requests, callbackUrl), null);
    }

    private Batch batch(String id) {
        return rig.batches.find(id).orElseThrow();
    }

    private List<BatchEntry> entries(String id) {
        return rig.batches.entries(id);
    }

    @Test
    void makesTheTasksInOrderAndRefusesAnInvalidRequestWithItsIndexAndCode() {
        Batch batch = create(List.of(request("first", 5), request("second", 99), request("third", 3)), null);

        Step step = rig.advance.advance(batch.id(), 0);

        assertThat(step.next()).isEqualTo(Next.WAIT);
        assertThat(step.waitSeconds()).isEqualTo((int) BatchRig.POLL.toSeconds());
        List<BatchEntry> entries = entries(batch.id());
        assertThat(entries).extracting(BatchEntry::index).containsExactly(0, 1, 2);
        assertThat(entries).extracting(BatchEntry::state)
                .containsExactly(BatchEntry.State.PENDING, BatchEntry.State.REFUSED, BatchEntry.State.PENDING);
        assertThat(entries.get(1).taskId()).isNull();
        assertThat(entries.get(1).refusal().code()).isEqualTo("invalid_duration");
        assertThat(entries.get(1).refusal().param()).isEqualTo("duration");
        assertThat(rig.workflow.started).containsExactly(entries.get(0).taskId(), entries.get(2).taskId());
        assertThat(rig.task(entries.get(0).taskId()).request().prompt()).isEqualTo("first");
        assertThat(rig.task(entries.get(2).taskId()).request().prompt()).isEqualTo("third");
        assertThat(rig.task(entries.get(0).taskId()).batchId()).isEqualTo(batch.id());
        Batch saved = batch(batch.id());
        assertThat(saved.status()).isEqualTo(BatchStatus.IN_PROGRESS);
        assertThat(saved.counts()).isEqualTo(new RequestCounts(3, 2, 0, 0, 0, 0, 1));

        List<?> errors = (List<?>) BatchRepresentation.of(saved, entries).get("errors");
        assertThat(errors).hasSize(1);
        assertThat(((Map<?, ?>) errors.get(0)).get("index")).isEqualTo(1);
    }

    @Test
    void aRunStopsAtItsCreationTimeBudgetAndTheNextRunGoesOnAtOnce() {
        rig.onNewTask = () -> rig.clock.advance(Duration.ofSeconds(25));
        Batch batch = create(List.of(request("a", 5), request("b", 5), request("c", 5), request("d", 5)), null);

        Step first = rig.advance.advance(batch.id(), 0);

        assertThat(first.next()).isEqualTo(Next.ADVANCE);
        assertThat(first.waitSeconds()).isZero();
        assertThat(entries(batch.id())).extracting(BatchEntry::index).containsExactly(0, 1);
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.VALIDATING);
        assertThat(batch(batch.id()).counts().pending()).isEqualTo(4);

        Step second = rig.advance.advance(batch.id(), 0);

        assertThat(second.next()).isEqualTo(Next.WAIT);
        assertThat(entries(batch.id())).extracting(e -> rig.task(e.taskId()).request().prompt()).containsExactly("a", "b", "c", "d");
        assertThat(rig.taskIds).hasSize(4);
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.IN_PROGRESS);
    }

    /** A transient failure waits the poll interval (no hot loop of runs), and the next run makes the rest. */
    @Test
    void aTransientFailureStopsTheRunWhichWaitsAndTheNextRunMakesTheRest() throws Exception {
        String flaky = "https://images.example.com/flaky.jpg";
        rig.images.put(flaky, rig.images.get(BatchRig.IMAGE));
        rig.flaky.put(flaky, 1);
        Map<String, Object> second = request("second", 5);
        second.put("image_start", flaky);
        Batch batch = create(List.of(request("first", 5), second, request("third", 5)), null);

        Step held = rig.advance.advance(batch.id(), 0);

        assertThat(held.next()).isEqualTo(Next.WAIT);
        assertThat(held.waitSeconds()).isEqualTo((int) BatchRig.POLL.toSeconds());
        assertThat(entries(batch.id())).extracting(BatchEntry::index).containsExactly(0);
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.VALIDATING);

        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.WAIT);

        assertThat(entries(batch.id())).extracting(BatchEntry::state).containsOnly(BatchEntry.State.PENDING).hasSize(3);
        assertThat(rig.workflow.started).hasSize(3).doesNotHaveDuplicates();
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.IN_PROGRESS);
    }

    /**
     * A run cut short between claiming a request's idempotency key and recording its task leaves the
     * key claimed for a task that does not exist: the request waits for the claim to go, it is never
     * refused for it.
     */
    @Test
    void aRequestWhoseKeyAnEarlierCutShortRunHoldsWaitsAndIsNotRefused() {
        Batch batch = create(List.of(request("first", 5), request("second", 3)), null);
        Object body = rig.requests.load(batch.id()).get(0);
        String key = "batch:" + batch.id() + "#0";
        rig.idempotency.claim(OWNER, key, RequestHash.of(body), "task-never-recorded");

        Step held = rig.advance.advance(batch.id(), 0);

        assertThat(held.next()).isEqualTo(Next.WAIT);
        assertThat(entries(batch.id())).isEmpty();
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.VALIDATING);

        rig.idempotency.release(OWNER, key, "task-never-recorded");
        rig.advance.advance(batch.id(), 0);

        assertThat(entries(batch.id())).extracting(BatchEntry::state).containsOnly(BatchEntry.State.PENDING).hasSize(2);
        assertThat(batch(batch.id()).status()).isEqualTo(BatchStatus.IN_PROGRESS);
    }

    /**
     * The task was made but its entry never written (the table throttled): the step fails, and its
     * retry submits the request again with the same idempotency key, which answers the same task.
     */
    @Test
    void aRetriedRunFindsTheTaskItMadeByTheRequestsIdempotencyKey() {
        Batch batch = create(List.of(request("first", 5), request("second", 3)), null);
        rig.batches.failNextEntryWrites(1);

        assertThatThrownBy(() -> rig.advance.advance(batch.id(), 0)).isInstanceOf(TransientFailureException.class);
        assertThat(rig.workflow.started).hasSize(1);
        String made = rig.workflow.started.get(0);

        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.WAIT);

        List<BatchEntry> entries = entries(batch.id());
        assertThat(entries.get(0).taskId()).isEqualTo(made);
        assertThat(rig.workflow.started).hasSize(2).doesNotHaveDuplicates();
        assertThat(rig.workflow.started).containsExactly(made, entries.get(1).taskId());
        for (int index = 0; index < 2; index++) {
            IdempotencyKeys.Claim claim = rig.idempotency.claim(OWNER, "batch:" + batch.id() + "#" + index, "probe", "task-probe");
            assertThat(claim.claimedNow()).isFalse();
            assertThat(claim.taskId()).isEqualTo(entries.get(index).taskId());
        }
        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.WAIT);
        assertThat(rig.workflow.started).hasSize(2);
    }

    @Test
    void aCancelBeforeAllTasksAreMadeCancelsTheMadeOnesFreeAndTheRestNeverBecomeTasks() throws Exception {
        rig.onNewTask = () -> rig.clock.advance(Duration.ofSeconds(25));
        Batch batch = create(List.of(request("a", 5), request("b", 5), request("c", 5), request("d", 5)), HOOK);
        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.ADVANCE);
        List<String> made = entries(batch.id()).stream().map(BatchEntry::taskId).toList();
        assertThat(made).hasSize(2);

        Map<String, Object> cancelling = rig.cancelBatch.cancel(OWNER, batch.id()).json();

        assertThat(cancelling.get("status")).isEqualTo("cancelling");
        for (String taskId : made) {
            assertThat(rig.task(taskId).status()).isEqualTo(TaskStatus.CANCELLED);
            assertThat(rig.task(taskId).charged().costUsd()).isZero();
        }

        Step ended = rig.advance.advance(batch.id(), 0);

        assertThat(ended.next()).isEqualTo(Next.DONE);
        assertThat(rig.taskIds).hasSize(2);
        List<BatchEntry> entries = entries(batch.id());
        assertThat(entries).extracting(BatchEntry::state).containsOnly(BatchEntry.State.CANCELLED).hasSize(4);
        assertThat(entries.subList(2, 4)).extracting(BatchEntry::taskId).containsOnlyNulls();
        Batch cancelled = batch(batch.id());
        assertThat(cancelled.status()).isEqualTo(BatchStatus.CANCELLED);
        assertThat(cancelled.counts()).isEqualTo(new RequestCounts(4, 0, 0, 0, 0, 4, 0));
        assertThat(cancelled.costUsd()).isZero();
        assertThat(cancelled.completedAt()).isEqualTo(rig.clock.instant());
        assertThat(rig.sent).hasSize(1);
        assertThat(JSON.readTree(rig.sent.get(0).body()).path("status").asText()).isEqualTo("cancelled");
        assertThat(rig.batches.requestCancel(batch.id())).as("an ended batch takes no cancel").isFalse();
    }

    @Test
    void countsAndCostAreTheSumOfWhatTheEndedTasksWereCharged() {
        Batch batch = create(List.of(request("a", 5), request("b", 3), request("c", 4)), null);
        rig.advance.advance(batch.id(), 0);
        List<String> made = entries(batch.id()).stream().map(BatchEntry::taskId).toList();
        BigDecimal first = rig.complete(made.get(0)).costUsd();
        assertThat(first).isPositive();

        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.WAIT);
        Batch halfway = batch(batch.id());
        assertThat(halfway.counts()).isEqualTo(new RequestCounts(3, 2, 0, 1, 0, 0, 0));
        assertThat(halfway.costUsd()).isEqualByComparingTo(first);
        assertThat(halfway.status()).isEqualTo(BatchStatus.IN_PROGRESS);

        BigDecimal second = rig.complete(made.get(1)).costUsd();
        rig.fail(made.get(2), "provider_failed", "The vendor could not render the video.");
        rig.clock.advance(Duration.ofMinutes(3));

        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.DONE);

        Batch ended = batch(batch.id());
        assertThat(ended.status()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(ended.counts()).isEqualTo(new RequestCounts(3, 0, 0, 2, 1, 0, 0));
        BigDecimal charged = made.stream().map(id -> rig.task(id).charged().costUsd()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(ended.costUsd()).isEqualByComparingTo(charged).isEqualByComparingTo(first.add(second));
        assertThat(ended.completedAt()).isEqualTo(rig.clock.instant());
        assertThat(entries(batch.id()).get(2).refusal().code()).isEqualTo("provider_failed");
        assertThat(rig.sent).as("no callback_url, no webhook").isEmpty();
    }

    @Test
    void theWebhookIsTheBatchSignedWithTheOwnersSecretAndSentOnce() throws Exception {
        Batch batch = create(List.of(request("a", 5), request("b", 99)), HOOK);
        rig.advance.advance(batch.id(), 0);
        rig.complete(entries(batch.id()).get(0).taskId());

        Step done = rig.advance.advance(batch.id(), 0);

        assertThat(done.next()).isEqualTo(Next.DONE);
        assertThat(done.webhookAttempts()).isEqualTo(1);
        BatchRig.Sent sent = rig.sent.get(0);
        assertThat(sent.url()).hasToString(HOOK);
        String messageId = StandardWebhookSigner.messageId(batch.id());
        assertThat(sent.headers()).containsEntry("webhook-id", messageId);
        long timestamp = Long.parseLong(sent.headers().get("webhook-timestamp"));
        assertThat(timestamp).isEqualTo(rig.clock.instant().getEpochSecond());
        assertThat(sent.headers().get("webhook-signature"))
                .isEqualTo(new StandardWebhookSigner().sign(BatchRig.SECRET, messageId, timestamp, sent.body()).signature())
                .isNotEqualTo(new StandardWebhookSigner().sign(BatchRig.SECRET, messageId, timestamp,
                        (new String(sent.body(), StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8)).signature());
        JsonNode body = JSON.readTree(sent.body());
        assertThat(body.path("id").asText()).isEqualTo(batch.id());
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("request_counts").path("completed").asInt()).isEqualTo(1);
        assertThat(body.path("errors").get(0).path("index").asInt()).isEqualTo(1);
        assertThat(batch(batch.id()).webhook()).isEqualTo(DeliverWebhook.DELIVERED);

        assertThat(rig.advance.advance(batch.id(), done.webhookAttempts()).next()).isEqualTo(Next.DONE);
        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.DONE);
        assertThat(rig.sent).hasSize(1);
    }

    @Test
    void aFailedWebhookIsRetriedAfterTheSchedulesDelaysThenGivenUpAndNeverSentAgain() {
        Batch batch = create(List.of(request("a", 5)), HOOK);
        rig.advance.advance(batch.id(), 0);
        rig.complete(entries(batch.id()).get(0).taskId());
        for (int i = 0; i < BatchRig.SCHEDULE.maxAttempts() + 2; i++) {
            rig.webhookAnswers.add(WebhookSender.Result.refused(503, "unavailable"));
        }

        Step step = rig.advance.advance(batch.id(), 0);
        int attempts = 1;
        while (step.next() == Next.WAIT) {
            assertThat(step.webhookAttempts()).isEqualTo(attempts);
            assertThat(step.waitSeconds()).isEqualTo(BatchRig.SCHEDULE.delayAfter(attempts).orElseThrow());
            assertThat(batch(batch.id()).webhook()).isNull();
            step = rig.advance.advance(batch.id(), step.webhookAttempts());
            attempts++;
        }

        assertThat(step.next()).isEqualTo(Next.DONE);
        assertThat(step.webhookAttempts()).isEqualTo(BatchRig.SCHEDULE.maxAttempts());
        assertThat(rig.sent).hasSize(BatchRig.SCHEDULE.maxAttempts());
        assertThat(rig.sent).extracting(sent -> sent.headers().get("webhook-id")).containsOnly(StandardWebhookSigner.messageId(batch.id()));
        assertThat(batch(batch.id()).webhook()).isEqualTo(DeliverWebhook.GAVE_UP);

        assertThat(rig.advance.advance(batch.id(), step.webhookAttempts()).next()).isEqualTo(Next.DONE);
        assertThat(rig.advance.advance(batch.id(), 0).next()).isEqualTo(Next.DONE);
        assertThat(rig.sent).hasSize(BatchRig.SCHEDULE.maxAttempts());
    }

    @Test
    void aFailedWebhookThatThenGoesThroughIsRecordedDelivered() {
        Batch batch = create(List.of(request("a", 5)), HOOK);
        rig.advance.advance(batch.id(), 0);
        rig.fail(entries(batch.id()).get(0).taskId(), "provider_failed", "no");
        rig.webhookAnswers.add(WebhookSender.Result.noAnswer("timed out"));

        Step retry = rig.advance.advance(batch.id(), 0);
        assertThat(retry.next()).isEqualTo(Next.WAIT);
        Step done = rig.advance.advance(batch.id(), retry.webhookAttempts());

        assertThat(done.next()).isEqualTo(Next.DONE);
        assertThat(done.webhookAttempts()).isEqualTo(2);
        assertThat(batch(batch.id()).webhook()).isEqualTo(DeliverWebhook.DELIVERED);
        assertThat(batch(batch.id()).counts().failed()).isEqualTo(1);
    }

    /** A manifest's batch writes {manifest}.results.jsonl: one line per request, in order, with what became of it. */
    @Test
    void aManifestBatchWritesOneResultsLinePerRequest() throws Exception {
        String folder = "batches/default/shots/";
        rig.images.put("s3://" + BatchRig.BUCKET + "/" + folder + "cat.png", rig.images.get(BatchRig.IMAGE));
        String manifestKey = folder + "run.jsonl";
        rig.uploads.write(manifestKey, String.join("\n",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"a cat\",\"image_start\":\"cat.png\",\"duration\":5}",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"broken\"",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"another cat\",\"image_start\":\"cat.png\",\"duration\":3}").getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
        StartBatchFromManifest.Outcome started = rig.fromManifest.handle(
                new StartGenerationFromUpload.ObjectCreated(BatchRig.BUCKET, "batches/default/shots/run.jsonl", "etag", "0A1"));
        String batchId = started.batchId();
        rig.advance.advance(batchId, 0);
        List<BatchEntry> made = entries(batchId);
        Task first = rig.task(made.get(0).taskId());
        assertThat(first.request().imageStart()).isEqualTo("s3://" + BatchRig.BUCKET + "/" + folder + "cat.png");
        BigDecimal charged = rig.complete(first.id()).costUsd();
        rig.fail(made.get(2).taskId(), "provider_failed", "The vendor could not render the video.");

        assertThat(rig.advance.advance(batchId, 0).next()).isEqualTo(Next.DONE);

        byte[] results = rig.uploads.read(manifestKey + StartBatchFromManifest.RESULTS_SUFFIX, 1 << 20).orElseThrow();
        List<JsonNode> lines = new String(results, StandardCharsets.UTF_8).lines().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError(line, e);
            }
        }).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines).extracting(line -> line.path("index").asInt()).containsExactly(0, 1, 2);
        assertThat(lines.get(0).path("task_id").asText()).isEqualTo(first.id());
        assertThat(lines.get(0).path("status").asText()).isEqualTo("completed");
        assertThat(lines.get(0).path("video").asText()).isEqualTo("s3://" + BatchRig.ARCHIVE_BUCKET + "/videos/" + first.id() + ".mp4");
        assertThat(lines.get(0).path("cost_usd").decimalValue()).isEqualByComparingTo(charged);
        assertThat(lines.get(0).path("error").isNull()).isTrue();
        assertThat(lines.get(1).path("task_id").isNull()).isTrue();
        assertThat(lines.get(1).path("status").asText()).isEqualTo("refused");
        assertThat(lines.get(1).path("error").path("code").asText()).isEqualTo("invalid_json");
        assertThat(lines.get(1).path("cost_usd").decimalValue()).isZero();
        assertThat(lines.get(2).path("status").asText()).isEqualTo("failed");
        assertThat(lines.get(2).path("video").isNull()).isTrue();
        assertThat(lines.get(2).path("error").path("code").asText()).isEqualTo("provider_failed");
        assertThat(batch(batchId).costUsd()).isEqualByComparingTo(charged);

        StartBatchFromManifest.Outcome resultsEvent = rig.fromManifest.handle(new StartGenerationFromUpload.ObjectCreated(
                BatchRig.BUCKET, manifestKey + StartBatchFromManifest.RESULTS_SUFFIX, "etag2", "0A2"));
        assertThat(resultsEvent.result()).isEqualTo(StartBatchFromManifest.Result.IGNORED);
        assertThat(rig.batchIds).hasSize(1);
    }

    @Test
    void aBatchNotInTheStoreFailsTheStepForGood() {
        assertThatThrownBy(() -> rig.advance.advance("batch-missing", 0))
                .isInstanceOf(dev.reelay.domain.error.PermanentFailureException.class)
                .hasMessageContaining("batch-missing");
    }
}
