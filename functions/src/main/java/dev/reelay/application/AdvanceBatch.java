package dev.reelay.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.webhook.StandardWebhookSigner;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.BatchRequests;
import dev.reelay.port.BatchStore;
import dev.reelay.port.TaskStore;
import dev.reelay.port.UploadedObjects;
import dev.reelay.port.WebhookSecrets;
import dev.reelay.port.WebhookSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The one step of a batch's workflow, run again and again until the batch has ended
 * (docs/batches.md, "How a batch runs"):
 * <ol>
 *   <li>while {@code validating}, it submits the requests not yet made into tasks, in order, each
 *   exactly as {@code POST /v1/videos/generations} would (its own validation, image checks, budget
 *   reservation and queue), for a bounded time per run; a refused request gets its entry with the
 *   error;</li>
 *   <li>it reads the tasks that had not ended when it last looked, and keeps the outcome of those
 *   that have;</li>
 *   <li>after its owner's cancel, it cancels every unfinished task as {@code POST /v1/tasks/{id}/cancel}
 *   does, and the requests not yet made never will be;</li>
 *   <li>once every request has ended, the batch ends: its results file next to its manifest, if it
 *   came from one, then its one webhook, with the schedule's retries.</li>
 * </ol>
 * Safe to run again: a request's task is submitted with the idempotency key {@code batch:<id>#<index>},
 * entries are keyed by index, and an ended batch only finishes its webhook.
 */
public final class AdvanceBatch {
    private static final Logger LOG = LoggerFactory.getLogger(AdvanceBatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The conflict of a submission whose idempotency key another, unfinished submission holds. */
    private static final String REQUEST_IN_PROGRESS = "request_in_progress";

    /** What the workflow does next: run this step again now, after {@code waitSeconds}, or stop. */
    public enum Next { ADVANCE, WAIT, DONE }

    /** The step's answer: the state machine's Choice reads {@code next}. */
    public record Step(String batchId, Next next, int waitSeconds, int webhookAttempts) {
    }

    /** The two ways a batch's requests are submitted: an API batch as the HTTP API, a manifest's as the upload trigger. */
    public record Submissions(SubmitVideoGeneration api, SubmitVideoGeneration manifest) {
    }

    private final BatchStore batches;
    private final BatchRequests requests;
    private final TaskStore tasks;
    private final Submissions submissions;
    private final CancelTask cancelTask;
    private final UploadedObjects uploads;
    private final String archiveBucket;
    private final WebhookSecrets secrets;
    private final WebhookSender sender;
    private final WebhookUrlRules webhookRules;
    private final WebhookSchedule schedule;
    private final Duration poll;
    private final Duration creationBudget;
    private final Clock clock;
    private final StandardWebhookSigner signer = new StandardWebhookSigner();

    /**
     * @param poll           how long the workflow waits between two looks at a batch's tasks
     * @param creationBudget how long one run may spend submitting requests before it hands over to the next run
     */
    public AdvanceBatch(BatchStore batches, BatchRequests requests, TaskStore tasks, Submissions submissions, CancelTask cancelTask,
                        UploadedObjects uploads, String archiveBucket, WebhookSecrets secrets, WebhookSender sender,
                        WebhookUrlRules webhookRules, WebhookSchedule schedule, Duration poll, Duration creationBudget, Clock clock) {
        this.batches = batches;
        this.requests = requests;
        this.tasks = tasks;
        this.submissions = submissions;
        this.cancelTask = cancelTask;
        this.uploads = uploads;
        this.archiveBucket = archiveBucket;
        this.secrets = secrets;
        this.sender = sender;
        this.webhookRules = webhookRules;
        this.schedule = schedule;
        this.poll = poll;
        this.creationBudget = creationBudget;
        this.clock = clock;
    }

    public Step advance(String batchId, int webhookAttempts) {
        Batch batch = batches.find(batchId).orElseThrow(() ->
                new PermanentFailureException("batch_not_found", "Batch " + batchId + " is not in the batch store."));
        TaskLog.clearTask();
        TaskLog.keyName(batch.ownerKeyId());
        if (batch.status().isTerminal()) {
            return deliverWebhook(batch, webhookAttempts);
        }
        BatchEntry[] entries = new BatchEntry[batch.counts().total()];
        batches.entries(batchId).forEach(entry -> entries[entry.index()] = entry);

        Creation creation = batch.cancelRequested() ? Creation.DONE : create(batch, entries);
        boolean creationDone = creation == Creation.DONE;
        if (batch.cancelRequested()) {
            cancelUnfinished(batch, entries);
        }
        refresh(batch, entries);

        RequestCounts counts = RequestCounts.of(Arrays.stream(entries).map(e -> e == null ? null : e.state()).toList());
        BigDecimal cost = Arrays.stream(entries).filter(e -> e != null && e.isFinal()).map(BatchEntry::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        if (creationDone && counts.allEnded()) {
            Batch ended = batch.progressed(batch.cancelRequested() ? BatchStatus.CANCELLED : BatchStatus.COMPLETED, counts, cost,
                    clock.instant());
            if (batch.manifest() != null) {
                writeResults(batch, entries);
            }
            if (!batches.saveProgress(ended)) {
                LOG.info("Batch {} had already ended", batchId);
            }
            LOG.info("Batch {} {}: {} completed, {} failed, {} cancelled, {} refused of {}; {} USD", batchId, ended.status().wire(),
                    counts.completed(), counts.failed(), counts.cancelled(), counts.refused(), counts.total(), cost);
            return deliverWebhook(batches.find(batchId).orElse(ended), 0);
        }
        BatchStatus status = creationDone ? BatchStatus.IN_PROGRESS : BatchStatus.VALIDATING;
        batches.saveProgress(batch.progressed(status, counts, cost, null));
        // Still making tasks: go on at once, unless a transient failure held them up. Else look again after the poll interval.
        return creation == Creation.TIME_UP ? new Step(batchId, Next.ADVANCE, 0, 0) : new Step(batchId, Next.WAIT, (int) poll.toSeconds(), 0);
    }

    /** How a run's creation of tasks ended: all made (or no more to make), out of time, or held up by a transient failure. */
    private enum Creation { DONE, TIME_UP, HELD_UP }

    /**
     * Submits the requests that have no entry yet, in order, until they are all made or this run's
     * time is up (then the next run goes on at once). A transient failure also stops here, for the
     * workflow's next run to try again after the poll interval.
     */
    private Creation create(Batch batch, BatchEntry[] entries) {
        Instant until = clock.instant().plus(creationBudget);
        List<Object> bodies = null;
        SubmitVideoGeneration submit = batch.manifest() == null ? submissions.api() : submissions.manifest();
        for (int index = 0; index < entries.length; index++) {
            if (entries[index] != null) {
                continue;
            }
            if (clock.instant().isAfter(until)) {
                return Creation.TIME_UP;
            }
            if (bodies == null) {
                bodies = requests.load(batch.id());
            }
            if (index % 10 == 0 && batches.find(batch.id()).map(Batch::cancelRequested).orElse(false)) {
                LOG.info("Batch {} was cancelled while its tasks were being made; {} made", batch.id(), index);
                return Creation.DONE;
            }
            BatchEntry entry;
            try {
                Task task = submit.submit(batch.ownerKeyId(), bodies.get(index), "batch:" + batch.id() + "#" + index, batch.id());
                entry = BatchEntry.created(index, task.id());
            } catch (TransientFailureException | ConflictException e) {
                if (e instanceof ConflictException conflict && !REQUEST_IN_PROGRESS.equals(conflict.code())) {
                    throw conflict;
                }
                // request_in_progress: its idempotency key is claimed by a submission whose task is not recorded
                // (a run cut short in between); the claim expires, or the task appears. Never a refusal.
                LOG.warn("Batch {} request {} could not be submitted now ({}); the next run tries again", batch.id(), index,
                        e.getMessage());
                return Creation.HELD_UP;
            } catch (ReelayException refused) {
                String param = refused instanceof InvalidRequestException invalid ? invalid.field() : null;
                LOG.info("Batch {} request {} refused: {} {}", batch.id(), index, refused.code(), refused.getMessage());
                entry = BatchEntry.refused(index, new BatchEntry.Refusal(refused.code(), refused.getMessage(), param));
            }
            batches.putEntry(batch.id(), entry);
            entries[index] = entry;
        }
        return Creation.DONE;
    }

    /** After a cancel: every unfinished task cancelled as a single cancel would be; requests not made yet never will be. */
    private void cancelUnfinished(Batch batch, BatchEntry[] entries) {
        List<String> unfinished = new java.util.ArrayList<>();
        for (int index = 0; index < entries.length; index++) {
            BatchEntry entry = entries[index];
            if (entry == null) {
                entries[index] = BatchEntry.cancelledBeforeCreation(index);
                batches.putEntry(batch.id(), entries[index]);
            } else if (!entry.isFinal()) {
                unfinished.add(entry.taskId());
            }
        }
        CancelBatch.cancelAll(cancelTask, tasks, batch, unfinished, clock, clock.instant().plus(creationBudget));
    }

    /**
     * Reads the tasks not seen ended yet, all in as few calls as the store allows; an ended one's
     * outcome is kept in its entry, never read again.
     */
    private void refresh(Batch batch, BatchEntry[] entries) {
        List<BatchEntry> unfinished = Arrays.stream(entries).filter(entry -> entry != null && !entry.isFinal()).toList();
        Map<String, Task> seen = new java.util.HashMap<>();
        tasks.findAll(unfinished.stream().map(BatchEntry::taskId).toList()).forEach(task -> seen.put(task.id(), task));
        for (BatchEntry entry : unfinished) {
            Task task = seen.get(entry.taskId());
            if (task == null) {
                throw new IllegalStateException("Batch " + batch.id() + " request " + entry.index() + ": task " + entry.taskId()
                        + " is not in the task store");
            }
            if (task.status().isTerminal()) {
                entries[entry.index()] = entry.ended(task.status(), task.charged().costUsd(),
                        task.result() == null ? null : "s3://" + archiveBucket + "/" + task.result().archiveKey(),
                        task.failure() == null ? null : new BatchEntry.Refusal(task.failure().code(), task.failure().message(), null));
                batches.putEntry(batch.id(), entries[entry.index()]);
            } else {
                entries[entry.index()] = new BatchEntry(entry.index(), entry.taskId(), BatchEntry.State.of(task.status()), null,
                        BigDecimal.ZERO, null);
            }
        }
    }

    /** {@code {manifest}.results.jsonl}: one line per request, in order. Written again harmlessly by a re-run. */
    private void writeResults(Batch batch, BatchEntry[] entries) {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        for (BatchEntry entry : entries) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("index", entry.index());
            line.put("task_id", entry.taskId());
            line.put("status", entry.state().wire());
            line.put("video", entry.videoUri());
            line.put("cost_usd", entry.costUsd());
            line.put("error", entry.refusal() == null ? null : error(entry.refusal()));
            try {
                lines.write(JSON.writeValueAsBytes(line));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("A results line of batch " + batch.id() + " is not serialisable", e);
            }
            lines.write('\n');
        }
        String key = StartBatchFromManifest.keyOf(uploads.bucket(), batch.manifest()) + StartBatchFromManifest.RESULTS_SUFFIX;
        uploads.write(key, lines.toByteArray(), "application/x-ndjson");
        LOG.info("Batch {} results written to s3://{}/{}", batch.id(), uploads.bucket(), key);
    }

    private static Map<String, Object> error(BatchEntry.Refusal refusal) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", refusal.code());
        error.put("message", refusal.message());
        error.put("param", refusal.param());
        return error;
    }

    /**
     * One attempt at the batch's webhook: the batch object, signed with its owner's secret like a
     * task's webhook. A failed attempt waits for the schedule's next delay; after the last, it is
     * given up and recorded so.
     */
    private Step deliverWebhook(Batch batch, int attemptsSoFar) {
        if (batch.callbackUrl() == null || batch.webhook() != null) {
            return new Step(batch.id(), Next.DONE, 0, attemptsSoFar);
        }
        int attempt = attemptsSoFar + 1;
        URI url;
        try {
            url = webhookRules.check("callback_url", batch.callbackUrl());
        } catch (InvalidRequestException refused) {
            LOG.warn("Batch {} webhook given up: callback_url refused: {}", batch.id(), refused.getMessage());
            batches.recordWebhook(batch.id(), DeliverWebhook.GAVE_UP);
            return new Step(batch.id(), Next.DONE, 0, attempt);
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(BatchRepresentation.of(batch, batches.entries(batch.id())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Batch " + batch.id() + " is not serialisable as JSON", e);
        }
        StandardWebhookSigner.Signature signature = signer.sign(secrets.secretFor(batch.ownerKeyId()),
                StandardWebhookSigner.messageId(batch.id()), clock.instant().getEpochSecond(), body);
        WebhookSender.Result result = sender.send(url, signature.headers(), body);
        LOG.info("Batch {} webhook attempt {} to {}: {}", batch.id(), attempt, url.getHost(), result.describe());
        if (result.delivered()) {
            batches.recordWebhook(batch.id(), DeliverWebhook.DELIVERED);
            return new Step(batch.id(), Next.DONE, 0, attempt);
        }
        OptionalInt wait = schedule.delayAfter(attempt);
        if (wait.isEmpty()) {
            LOG.warn("Batch {} webhook given up after {} attempts ({})", batch.id(), attempt, result.describe());
            batches.recordWebhook(batch.id(), DeliverWebhook.GAVE_UP);
            return new Step(batch.id(), Next.DONE, 0, attempt);
        }
        return new Step(batch.id(), Next.WAIT, wait.getAsInt(), attempt);
    }
}
