package dev.reelay.application;

import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.media.ImageFacts;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.ImageSource;
import dev.reelay.port.TaskStore;
import dev.reelay.port.VideoArchive;
import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Accepts a generation request: validates it, fetches and checks its images, prices it, records
 * the task and starts its workflow. Nothing invalid gets past this point, so nothing invalid
 * reaches a provider or a bill.
 */
public final class SubmitVideoGeneration {
    private static final Logger LOG = LoggerFactory.getLogger(SubmitVideoGeneration.class);

    private final GenerationRequestParser parser;
    private final ImageSource images;
    private final VideoArchive archive;
    private final ProviderTable providers;
    private final TaskStore store;
    private final Workflow workflow;
    private final Clock clock;
    private final Supplier<String> taskIds;
    private final IdempotencyKeys idempotency;

    public SubmitVideoGeneration(GenerationRequestParser parser, ImageSource images, VideoArchive archive,
                                 ProviderTable providers, TaskStore store, Workflow workflow, Clock clock,
                                 Supplier<String> taskIds, IdempotencyKeys idempotency) {
        this.parser = parser;
        this.images = images;
        this.archive = archive;
        this.providers = providers;
        this.store = store;
        this.workflow = workflow;
        this.clock = clock;
        this.taskIds = taskIds;
        this.idempotency = idempotency;
    }

    /** The task an earlier request with the same key made; it may still be being recorded, so wait a little. */
    private Task original(String ownerKeyId, IdempotencyKeys.Claim claim, String requestHash) {
        if (!claim.requestHash().equals(requestHash)) {
            throw new ConflictException("idempotency_key_reused",
                    "This idempotency key (or external_task_id) was used for a different request.");
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            Optional<Task> task = store.find(claim.taskId()).filter(t -> t.ownerKeyId().equals(ownerKeyId));
            if (task.isPresent()) {
                return task.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ConflictException("request_in_progress", "The original request with this idempotency key is still being processed; retry shortly.");
    }

    public Task submit(String ownerKeyId, Object body) {
        return submit(ownerKeyId, body, null);
    }

    /**
     * As {@link #submit(String, Object)}; with an idempotency key (the {@code Idempotency-Key}
     * header, else the request's {@code external_task_id}), a repeat of the same request returns
     * the original task, even under concurrent duplicates, and the same key with another body is a 409.
     */
    public Task submit(String ownerKeyId, Object body, String idempotencyKey) {
        GenerationRequest request = parser.parse(body);
        // The cheapest vendor that can serve the request sets the quote; a request none can serve stops here.
        Quote quote = providers.candidates(request).get(0).quote();
        byte[] start = request.imageStart() == null ? null
                : images.fetch("image_start", request.imageStart(), ImageRules.MAX_BYTES);
        ImageFacts startFacts = start == null ? null : ImageRules.check("image_start", start);
        byte[] end = request.imageEnd() == null ? null
                : images.fetch("image_end", request.imageEnd(), ImageRules.MAX_BYTES);
        ImageFacts endFacts = end == null ? null : ImageRules.check("image_end", end);

        String taskId = taskIds.get();
        String key = idempotencyKey != null ? idempotencyKey
                : request.externalTaskId() == null ? null : "external_task_id:" + request.externalTaskId();
        // Staged before the key is claimed: a storage failure here leaves no claim behind, so a
        // retry with the same key (an S3 event redelivered) can still make the task. A concurrent
        // duplicate stages a copy it never uses, which expires with inputs/.
        String startKey = start == null ? null
                : archive.stageInput(taskId, "image_start." + startFacts.format(), start, startFacts.contentType());
        String endKey = end == null ? null
                : archive.stageInput(taskId, "image_end." + endFacts.format(), end, endFacts.contentType());
        if (key != null) {
            IdempotencyKeys.Claim claim = idempotency.claim(ownerKeyId, key, RequestHash.of(body), taskId);
            if (!claim.claimedNow()) {
                return original(ownerKeyId, claim, RequestHash.of(body));
            }
        }
        Task task = Task.accepted(taskId, ownerKeyId, clock.instant(), request, startKey, endKey, quote);
        store.create(task);
        try {
            workflow.start(taskId);
        } catch (RuntimeException e) {
            LOG.error("Could not start the workflow of task {}; marking it failed", taskId, e);
            Failure failure = new Failure("workflow_unavailable", "The task could not be started; it was not charged.");
            store.markFailed(taskId, failure, new TimelineEvent(TimelineEvent.FAILED, clock.instant(), failure.code()));
            throw new TransientFailureException("workflow_unavailable",
                    "The task could not be started; try again.", e);
        }
        LOG.info("Accepted task {} for key {}: {} s at {}/{}, quoted {} USD", taskId, ownerKeyId,
                request.durationSeconds(), request.quality().wire(), request.sound().wire(), quote.costUsd());
        return task;
    }
}
