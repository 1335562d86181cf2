package dev.reelay.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.upload.UploadKey;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.UploadedObjects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON Lines manifest put under {@code batches/{key-name}/} of the uploads bucket starts a batch
 * owned by that key: one generation body per line, as {@code POST /v1/batches} takes in its
 * {@code requests} (docs/batches.md, "A manifest in S3"). An image may be named relative to the
 * manifest's folder ({@code cat.png}), or by an {@code s3://} URI under the owner's own
 * {@code batches/{key-name}/}. A line that is not a JSON object, or names an image elsewhere in
 * the bucket, is refused on its own, with its index, and the others go on. When the batch ends,
 * its workflow writes {@code {manifest}.results.jsonl} next to it.
 * <p>
 * A manifest nothing can come of (no such key, revoked, empty, more than 1,000 lines, too large)
 * gets {@code {manifest}.error.json} instead, as a refused upload does. S3 delivers events at
 * least once: the idempotency key {@code s3:<bucket>/<key>#<sequencer>} makes a redelivery find
 * the batch the first delivery made.
 */
public final class StartBatchFromManifest {
    private static final Logger LOG = LoggerFactory.getLogger(StartBatchFromManifest.class);
    public static final String SUFFIX = ".jsonl";
    /** What the batch's workflow appends to the manifest's key for its results; never a trigger itself. */
    public static final String RESULTS_SUFFIX = ".results.jsonl";
    /** A thousand requests with long prompts and model parameters fit in far less. */
    public static final long MAX_MANIFEST_BYTES = 16L * 1024 * 1024;
    private static final List<String> IMAGE_FIELDS = List.of("image_start", "image_end");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public enum Result {
        /** a batch was made (or, for a redelivered event, found) */
        STARTED,
        /** nothing could come of the manifest: {@code {manifest}.error.json} says why */
        REJECTED,
        /** not a manifest (another bucket, another suffix, a results file), or gone */
        IGNORED
    }

    public record Outcome(Result result, String key, String batchId, String errorCode) {
    }

    private final CreateBatch createBatch;
    private final UploadedObjects uploads;
    private final ApiKeys apiKeys;
    private final Clock clock;

    public StartBatchFromManifest(CreateBatch createBatch, UploadedObjects uploads, ApiKeys apiKeys, Clock clock) {
        this.createBatch = createBatch;
        this.uploads = uploads;
        this.apiKeys = apiKeys;
        this.clock = clock;
    }

    public Outcome handle(StartGenerationFromUpload.ObjectCreated event) {
        TaskLog.clearTask();
        String key = StartGenerationFromUpload.decode(event.encodedKey());
        String bucket = uploads.bucket();
        if (!bucket.equals(event.bucket()) || !key.endsWith(SUFFIX) || key.endsWith(RESULTS_SUFFIX)) {
            LOG.info("Ignored s3://{}/{}: not a batch manifest of s3://{}/{}", event.bucket(), key, bucket, UploadKey.BATCHES);
            return new Outcome(Result.IGNORED, key, null, null);
        }
        String manifest = "s3://" + bucket + "/" + key;
        Optional<UploadKey> parsed = UploadKey.parse(key, UploadKey.BATCHES);
        if (parsed.isEmpty()) {
            return reject(key, manifest, "invalid_manifest_key", "Manifests must be put under " + UploadKey.BATCHES
                    + "{key-name}/, where {key-name} is the name of the API key that owns the batch.");
        }
        UploadKey upload = parsed.get();
        Optional<ApiKey> owner = apiKeys.findByName(upload.owner());
        if (owner.isEmpty()) {
            return reject(key, manifest, "unknown_key_owner", "No API key is named '" + upload.owner()
                    + "', so nobody owns " + upload.ownerPrefix() + "; no batch was made.");
        }
        if (!owner.get().active()) {
            return reject(key, manifest, "key_revoked", "The API key '" + upload.owner()
                    + "' was revoked; its manifests no longer start batches.");
        }
        Optional<byte[]> content = uploads.read(key, MAX_MANIFEST_BYTES);
        if (content.isEmpty()) {
            LOG.warn("Manifest {} is gone; nothing to do", manifest);
            return new Outcome(Result.IGNORED, key, null, null);
        }
        if (content.get().length > MAX_MANIFEST_BYTES) {
            return reject(key, manifest, "invalid_requests", "The manifest is larger than "
                    + MAX_MANIFEST_BYTES / (1024 * 1024) + " MiB.");
        }
        List<String> lines = new String(content.get(), StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
        if (lines.isEmpty() || lines.size() > Batch.MAX_REQUESTS) {
            return reject(key, manifest, "invalid_requests", "A manifest holds 1 to " + Batch.MAX_REQUESTS
                    + " generation requests, one JSON object per line; this one has " + lines.size() + ".");
        }
        List<Object> bodies = new ArrayList<>();
        List<BatchEntry> refused = new ArrayList<>();
        for (int index = 0; index < lines.size(); index++) {
            try {
                bodies.add(body(upload, bucket, lines.get(index)));
            } catch (InvalidRequestException broken) {
                bodies.add(null);
                refused.add(BatchEntry.refused(index, new BatchEntry.Refusal(broken.code(), broken.getMessage(), broken.field())));
            }
        }
        String sequence = event.sequencer() != null && !event.sequencer().isBlank() ? event.sequencer() : event.eTag();
        try {
            Batch batch = createBatch.createFromManifest(upload.owner(), bodies, refused, manifest,
                    "s3:" + bucket + "/" + key + "#" + sequence, RequestHash.of(lines));
            LOG.info("Manifest {} started batch {} of {} requests ({} lines refused) for key {}", manifest, batch.id(),
                    lines.size(), refused.size(), upload.owner());
            return new Outcome(Result.STARTED, key, batch.id(), null);
        } catch (ConflictException e) {
            if ("request_in_progress".equals(e.code())) {
                throw new TransientFailureException(e.code(), "Manifest " + manifest + ": " + e.getMessage(), e);
            }
            LOG.warn("Manifest {} was delivered again, but changed since: the first delivery's batch stands", manifest);
            return new Outcome(Result.IGNORED, key, null, e.code());
        }
    }

    /** One line's generation body, its relative image names resolved next to the manifest. */
    private static Object body(UploadKey manifest, String bucket, String line) {
        Object parsed;
        try {
            parsed = JSON.readValue(line, Object.class);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "invalid_json", "The line is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof Map<?, ?> fields)) {
            throw new InvalidRequestException(null, "invalid_body", "The line must hold a JSON object.");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        fields.forEach((name, value) -> body.put(String.valueOf(name), value));
        for (String field : IMAGE_FIELDS) {
            if (body.get(field) instanceof String image && !image.isEmpty()) {
                body.put(field, image(manifest, bucket, field, image));
            }
        }
        return body;
    }

    private static String image(UploadKey manifest, String bucket, String field, String image) {
        if (image.startsWith("s3://")) {
            if (!manifest.ownsObject(bucket, image)) {
                throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' must name an object of your own "
                        + manifest.ownerPrefix() + " prefix: a name relative to the manifest, or s3://" + bucket + "/"
                        + manifest.ownerPrefix() + "...");
            }
            return image;
        }
        if (image.contains("://") || image.startsWith("data:") || image.startsWith("upload:")) {
            return image; // a URL, checked as the single API checks it
        }
        return "s3://" + bucket + "/" + manifest.resolve(field, image);
    }

    /** The object key of an {@code s3://<bucket>/<key>} URI of this bucket. */
    static String keyOf(String bucket, String s3Uri) {
        String prefix = "s3://" + bucket + "/";
        if (!s3Uri.startsWith(prefix)) {
            throw new IllegalArgumentException(s3Uri + " is not in s3://" + bucket + "/");
        }
        return s3Uri.substring(prefix.length());
    }

    private Outcome reject(String key, String manifest, String code, String message) {
        LOG.warn("Manifest {} not started: {} {}", manifest, code, message);
        StartGenerationFromUpload.writeErrorReport(uploads, clock, key, "manifest", manifest, "batch_id", null, code, message, null);
        return new Outcome(Result.REJECTED, key, null, code);
    }
}
