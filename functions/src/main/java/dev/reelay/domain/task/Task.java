package dev.reelay.domain.task;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;

import java.time.Instant;
import java.util.List;

/**
 * A video generation task as Reelay records it. {@code quote} is the price fixed at submission;
 * {@code charged} is what was actually billed (zero until settlement, and for failed tasks).
 * {@code pendingSubmission} is set while a job is being handed to a vendor and until the vendor's
 * answer is known: a submission whose answer never came is reconciled, never repeated blind
 * (docs/queue.md, "At-most-once submission"). {@code batchId} names the batch the task was made
 * for, or is null (docs/batches.md).
 */
public record Task(
        String id,
        String ownerKeyId,
        Instant createdAt,
        GenerationRequest request,
        String imageStartKey,
        String imageEndKey,
        TaskStatus status,
        int progress,
        Quote quote,
        Quote charged,
        int estimatedSeconds,
        String provider,
        String providerTaskId,
        TaskResult result,
        Failure failure,
        List<TimelineEvent> timeline,
        PendingSubmission pendingSubmission,
        String batchId) {

    public Task {
        timeline = List.copyOf(timeline);
    }

    /** A new task, just accepted. */
    public static Task accepted(String id, String ownerKeyId, Instant now, GenerationRequest request,
                                String imageStartKey, String imageEndKey, Quote quote) {
        return new Task(id, ownerKeyId, now, request, imageStartKey, imageEndKey, TaskStatus.PENDING, 0, quote,
                Quote.FREE, 0, null, null, null, null, List.of(TimelineEvent.of(TimelineEvent.ACCEPTED, now)), null, null);
    }

    /**
     * A request refused before acceptance that is recorded anyway, because nobody is waiting for
     * an answer (an uploaded image): it is failed from the start with the reason, never reaches a
     * provider and is never charged. Its timeline has no {@code accepted}, only {@code failed}.
     */
    public static Task rejected(String id, String ownerKeyId, Instant now, GenerationRequest request, Failure failure) {
        return new Task(id, ownerKeyId, now, request, null, null, TaskStatus.FAILED, 0, Quote.FREE, Quote.FREE, 0,
                null, null, null, failure, List.of(new TimelineEvent(TimelineEvent.FAILED, now, failure.code())), null, null);
    }

    /** This task, made for the batch {@code id}. */
    public Task inBatch(String id) {
        return new Task(this.id, ownerKeyId, createdAt, request, imageStartKey, imageEndKey, status, progress, quote, charged,
                estimatedSeconds, provider, providerTaskId, result, failure, timeline, pendingSubmission, id);
    }
}
