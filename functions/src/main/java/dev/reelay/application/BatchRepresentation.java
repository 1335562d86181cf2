package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public batch object (docs/batches.md) and the list object of {@code GET /v1/batches}. A
 * single batch also lists its refused requests ({@code errors}: index and error object); the
 * list leaves them out, since a page of batches would otherwise read every batch's entries.
 */
public final class BatchRepresentation {
    public static final String OBJECT = "batch";
    /** What a batch whose cancel is under way shows as its status. */
    public static final String CANCELLING = "cancelling";

    private BatchRepresentation() {
    }

    /** The batch with its refused requests, as {@code GET /v1/batches/{id}} and the batch's webhook show it. */
    public static Map<String, Object> of(Batch batch, List<BatchEntry> entries) {
        Map<String, Object> json = summary(batch);
        json.put("errors", entries.stream().filter(entry -> entry.state() == BatchEntry.State.REFUSED).map(entry -> {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", entry.refusal().code());
            error.put("message", entry.refusal().message());
            error.put("param", entry.refusal().param());
            Map<String, Object> refused = new LinkedHashMap<>();
            refused.put("index", entry.index());
            refused.put("error", error);
            return refused;
        }).toList());
        return json;
    }

    /** The batch without its refused requests: an item of {@code GET /v1/batches}. */
    public static Map<String, Object> summary(Batch batch) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", batch.id());
        json.put("object", OBJECT);
        json.put("status", status(batch));
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("total", batch.counts().total());
        counts.put("pending", batch.counts().pending());
        counts.put("processing", batch.counts().processing());
        counts.put("completed", batch.counts().completed());
        counts.put("failed", batch.counts().failed());
        counts.put("cancelled", batch.counts().cancelled());
        counts.put("refused", batch.counts().refused());
        json.put("request_counts", counts);
        json.put("cost_usd", batch.costUsd());
        json.put("created", batch.createdAt().getEpochSecond());
        json.put("completed_at", batch.completedAt() == null ? null : batch.completedAt().getEpochSecond());
        json.put("callback_url", batch.callbackUrl());
        json.put("metadata", batch.metadata());
        if (batch.manifest() != null) {
            json.put("manifest", batch.manifest());
            json.put("results", batch.manifest() + StartBatchFromManifest.RESULTS_SUFFIX);
        }
        return json;
    }

    /** {@code {"object":"list","data":[...],"has_more":...,"next_cursor":...}}, newest first. */
    public static Map<String, Object> list(ReadBatches.BatchList page) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("object", TaskRepresentation.LIST_OBJECT);
        json.put("data", page.batches().stream().map(BatchRepresentation::summary).toList());
        json.put("has_more", page.nextCursor().isPresent());
        json.put("next_cursor", page.nextCursor().orElse(null));
        return json;
    }

    static String status(Batch batch) {
        return batch.cancelRequested() && !batch.status().isTerminal() ? CANCELLING : batch.status().wire();
    }
}
