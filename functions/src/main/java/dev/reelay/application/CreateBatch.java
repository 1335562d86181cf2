package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.BatchRequests;
import dev.reelay.port.BatchStore;
import dev.reelay.port.BatchWorkflow;
import dev.reelay.port.IdempotencyKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code POST /v1/batches}, and the batch a manifest in S3 starts: checks the envelope (the
 * requests, {@code callback_url}, {@code metadata}), keeps the requests, records the batch and
 * starts its workflow, which validates and submits each request as the single API would
 * ({@link AdvanceBatch}). Answering at once keeps the call far inside API Gateway's 30 s, whatever
 * the image checks of a thousand requests take. With an {@code Idempotency-Key}, a retried
 * creation answers the same batch and makes nothing more.
 */
public final class CreateBatch {
    private static final Logger LOG = LoggerFactory.getLogger(CreateBatch.class);
    private static final Set<String> FIELDS = Set.of("requests", "callback_url", "metadata");
    /** As OpenAI's batches: up to 16 pairs, keys up to 64 characters, values up to 512. */
    static final int MAX_METADATA_PAIRS = 16;

    private final BatchStore store;
    private final BatchRequests requests;
    private final BatchWorkflow workflow;
    private final IdempotencyKeys idempotency;
    private final WebhookUrlRules webhookRules;
    private final Clock clock;
    private final Supplier<String> batchIds;

    public CreateBatch(BatchStore store, BatchRequests requests, BatchWorkflow workflow, IdempotencyKeys idempotency,
                       WebhookUrlRules webhookRules, Clock clock, Supplier<String> batchIds) {
        this.store = store;
        this.requests = requests;
        this.workflow = workflow;
        this.idempotency = idempotency;
        this.webhookRules = webhookRules;
        this.clock = clock;
        this.batchIds = batchIds;
    }

    /** A batch from the API's body {@code {"requests": [...], "callback_url"?, "metadata"?}}. */
    public Batch create(String ownerKeyId, Object body, String idempotencyKey) {
        TaskLog.clearTask();
        TaskLog.keyName(ownerKeyId);
        if (!(body instanceof Map<?, ?> fields)) {
            throw new InvalidRequestException(null, "invalid_body", "The request body must be a JSON object.");
        }
        for (Object name : fields.keySet()) {
            if (!FIELDS.contains(name)) {
                throw new InvalidRequestException(String.valueOf(name), "unknown_parameter",
                        "'" + name + "' is not a parameter of a batch; it takes requests, callback_url and metadata.");
            }
        }
        if (!(fields.get("requests") instanceof List<?> list) || list.isEmpty() || list.size() > Batch.MAX_REQUESTS) {
            throw new InvalidRequestException("requests", "invalid_requests",
                    "'requests' must be an array of 1 to " + Batch.MAX_REQUESTS + " generation requests.");
        }
        Object callback = fields.get("callback_url");
        if (callback != null && !(callback instanceof String)) {
            throw new InvalidRequestException("callback_url", "invalid_callback_url", "'callback_url' must be a URL.");
        }
        String callbackUrl = (String) callback;
        if (callbackUrl != null) {
            webhookRules.check("callback_url", callbackUrl);
        }
        Map<String, Object> metadata = metadata(fields.get("metadata"));
        return create(ownerKeyId, new ArrayList<>(list), List.of(), callbackUrl, metadata, null,
                idempotencyKey == null ? null : "batch:" + idempotencyKey, RequestHash.of(body));
    }

    /**
     * A batch from a manifest ({@link StartBatchFromManifest}): its bodies (null for a broken line),
     * the entries of the lines refused already, and the manifest's {@code s3://} URI.
     */
    Batch createFromManifest(String ownerKeyId, List<Object> bodies, List<BatchEntry> refused, String manifest,
                             String idempotencyKey, String requestHash) {
        return create(ownerKeyId, bodies, refused, null, Map.of(), manifest, idempotencyKey, requestHash);
    }

    private Batch create(String ownerKeyId, List<Object> bodies, List<BatchEntry> refused, String callbackUrl,
                         Map<String, Object> metadata, String manifest, String key, String requestHash) {
        String batchId = batchIds.get();
        if (key != null) {
            IdempotencyKeys.Claim claim = idempotency.claim(ownerKeyId, key, requestHash, batchId);
            if (!claim.claimedNow()) {
                return OriginalRequest.await(claim, requestHash,
                        id -> store.find(id).filter(b -> b.ownerKeyId().equals(ownerKeyId)),
                        "This idempotency key was used for a different batch.");
            }
        }
        Batch batch = Batch.accepted(batchId, ownerKeyId, clock.instant(), bodies.size(), callbackUrl, metadata, manifest);
        try {
            requests.store(batchId, bodies);
            store.create(batch, refused);
        } catch (RuntimeException e) {
            if (key != null) {
                release(ownerKeyId, key, batchId, e);
            }
            throw e;
        }
        try {
            workflow.start(batchId);
        } catch (RuntimeException e) {
            LOG.error("Could not start the workflow of batch {}; it ends cancelled, nothing made", batchId, e);
            store.saveProgress(batch.progressed(BatchStatus.CANCELLED,
                    new RequestCounts(bodies.size(), 0, 0, 0, 0, bodies.size(), 0),
                    BigDecimal.ZERO, clock.instant()));
            if (key != null) {
                release(ownerKeyId, key, batchId, e);
            }
            throw new TransientFailureException("workflow_unavailable", "The batch could not be started; try again.", e);
        }
        LOG.info("Accepted batch {} of {} requests for key {}{}", batchId, bodies.size(), ownerKeyId,
                manifest == null ? "" : " from " + manifest);
        return batch;
    }

    private void release(String ownerKeyId, String key, String batchId, RuntimeException cause) {
        try {
            idempotency.release(ownerKeyId, key, batchId);
        } catch (RuntimeException releaseFailed) {
            LOG.error("Could not free the idempotency key of batch {}", batchId, releaseFailed);
            cause.addSuppressed(releaseFailed);
        }
    }

    private static Map<String, Object> metadata(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> pairs) || pairs.size() > MAX_METADATA_PAIRS) {
            throw invalidMetadata();
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> pair : pairs.entrySet()) {
            String name = String.valueOf(pair.getKey());
            if (name.length() > 64 || !(pair.getValue() instanceof String text) || text.length() > 512) {
                throw invalidMetadata();
            }
            metadata.put(name, text);
        }
        return metadata;
    }

    private static InvalidRequestException invalidMetadata() {
        return new InvalidRequestException("metadata", "invalid_metadata", "'metadata' must be an object of up to "
                + MAX_METADATA_PAIRS + " string values (keys up to 64 characters, values up to 512).");
    }
}
