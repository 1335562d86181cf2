package dev.reelay.domain.batch;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch as Reelay records it: many generation requests handed over at once, followed and paid
 * for as one (docs/batches.md). {@code counts} and {@code costUsd} are as the batch's workflow last
 * saw its tasks; {@code cancelRequested} is set by its owner's cancel and never by the workflow.
 * {@code manifest} is the {@code s3://} URI of the JSON Lines file it came from, or null
 * for a batch made through the API. {@code webhook} is null until the end-of-batch webhook was
 * delivered ({@code delivered}) or given up ({@code gave_up}).
 */
public record Batch(
        String id,
        String ownerKeyId,
        Instant createdAt,
        BatchStatus status,
        boolean cancelRequested,
        RequestCounts counts,
        BigDecimal costUsd,
        String callbackUrl,
        Map<String, Object> metadata,
        String manifest,
        Instant completedAt,
        String webhook) {

    public static final int MAX_REQUESTS = 1000;

    public Batch {
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A new batch, its tasks not created yet. */
    public static Batch accepted(String id, String ownerKeyId, Instant now, int total, String callbackUrl,
                                 Map<String, Object> metadata, String manifest) {
        return new Batch(id, ownerKeyId, now, BatchStatus.VALIDATING, false, RequestCounts.allPending(total),
                BigDecimal.ZERO, callbackUrl, metadata, manifest, null, null);
    }

    /** The batch as its workflow now sees it. */
    public Batch progressed(BatchStatus newStatus, RequestCounts newCounts, BigDecimal cost, Instant endedAt) {
        return new Batch(id, ownerKeyId, createdAt, newStatus, cancelRequested, newCounts, cost, callbackUrl, metadata,
                manifest, endedAt, webhook);
    }
}
