package dev.reelay.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.upload.UploadKey;
import dev.reelay.domain.upload.UploadParameters;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.TaskStore;
import dev.reelay.port.UploadedObjects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An image put under {@code uploads/{key-name}/} starts a generation owned by that API key, with
 * the parameters of its sidecar ({@code {image}.json}) or of its metadata. Nothing is dropped
 * silently:
 * <ul>
 *   <li>a refused upload (bad parameters, not an image, too small...) becomes a failed task with
 *   the reason, never charged, and the reason is written next to the image as
 *   {@code {image}.error.json};</li>
 *   <li>an upload no active key owns gets the {@code error.json} alone: there is nobody to own a task;</li>
 *   <li>a storage or database failure is thrown, so that Lambda retries the event.</li>
 * </ul>
 * S3 delivers events at least once. The idempotency key {@code s3:<bucket>/<key>#<sequencer>}
 * (the eTag when there is no sequencer) makes a redelivered event return the task it made the
 * first time, refused or not.
 */
public final class StartGenerationFromUpload {
    private static final Logger LOG = LoggerFactory.getLogger(StartGenerationFromUpload.class);
    public static final long MAX_SIDECAR_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One object-created record of an S3 event; {@code encodedKey} as S3 sends it (URL-encoded, {@code +} for spaces). */
    public record ObjectCreated(String bucket, String encodedKey, String eTag, String sequencer) {
    }

    public enum Result {
        /** a task was made (or, for a redelivered event, found) and its workflow started */
        STARTED,
        /** refused: a failed task with the reason, and {@code {image}.error.json} */
        REJECTED,
        /** no active API key owns the prefix: {@code {image}.error.json} only */
        NO_OWNER,
        /** not for this trigger (another bucket, a sidecar or an error report), or a redelivery that conflicts */
        IGNORED
    }

    /** What became of one upload; {@code taskId} and {@code errorCode} when there are any. */
    public record Outcome(Result result, String key, String taskId, String errorCode) {
    }

    private final SubmitVideoGeneration submit;
    private final UploadedObjects uploads;
    private final ApiKeys apiKeys;
    private final TaskStore store;
    private final IdempotencyKeys idempotency;
    private final Supplier<String> taskIds;
    private final Clock clock;

    /**
     * @param submit the submission use case, wired so that it may read images of the uploads
     *               bucket's {@code uploads/} prefix (and nothing else the HTTP API could not)
     */
    public StartGenerationFromUpload(SubmitVideoGeneration submit, UploadedObjects uploads, ApiKeys apiKeys, TaskStore store,
                                     IdempotencyKeys idempotency, Supplier<String> taskIds, Clock clock) {
        this.submit = submit;
        this.uploads = uploads;
        this.apiKeys = apiKeys;
        this.store = store;
        this.idempotency = idempotency;
        this.taskIds = taskIds;
        this.clock = clock;
    }

    public Outcome handle(ObjectCreated event) {
        TaskLog.clearTask();
        String key = decode(event.encodedKey());
        String bucket = uploads.bucket();
        if (!bucket.equals(event.bucket())) {
            LOG.warn("Ignored an upload event for s3://{}/{}: only s3://{}/ starts generations", event.bucket(), key, bucket);
            return new Outcome(Result.IGNORED, key, null, null);
        }
        if (key.endsWith(".json")) {
            // Sidecars and error reports: never a trigger, so an error.json cannot start anything.
            LOG.info("Ignored s3://{}/{}: a JSON file is not an image", bucket, key);
            return new Outcome(Result.IGNORED, key, null, null);
        }
        String image = "s3://" + bucket + "/" + key;
        Optional<UploadKey> parsed = UploadKey.parse(key);
        if (parsed.isEmpty()) {
            return noOwner(key, image, "invalid_upload_key", "Uploads must be put under " + UploadKey.PREFIX
                    + "{key-name}/, where {key-name} is the name of the API key that owns them.");
        }
        UploadKey upload = parsed.get();
        Optional<ApiKey> owner = apiKeys.findByName(upload.owner());
        if (owner.isEmpty()) {
            return noOwner(key, image, "unknown_key_owner", "No API key is named '" + upload.owner()
                    + "', so nobody owns " + upload.ownerPrefix() + "; nothing was generated.");
        }
        if (!owner.get().active()) {
            return noOwner(key, image, "key_revoked", "The API key '" + upload.owner()
                    + "' was revoked; its uploads no longer start generations.");
        }
        String idempotencyKey = "s3:" + bucket + "/" + key + "#"
                + (event.sequencer() != null && !event.sequencer().isBlank() ? event.sequencer() : event.eTag());

        Map<String, String> metadata = uploads.metadata(key).orElse(Map.of());
        UploadParameters.Request request;
        InvalidRequestException sidecarProblem = null;
        try {
            request = UploadParameters.request(upload, bucket, metadata, sidecar(upload));
        } catch (InvalidRequestException badSidecar) {
            sidecarProblem = badSidecar;
            request = UploadParameters.request(upload, bucket, metadata, Map.of());
        }
        Optional<InvalidRequestException> problem = Optional.ofNullable(sidecarProblem).or(request::problem);
        if (problem.isPresent()) {
            submit.countRefusal(upload.owner(), problem.get().code());
            return reject(upload, image, request.body(), idempotencyKey, problem.get());
        }
        try {
            Task task = submit.submit(upload.owner(), request.body(), idempotencyKey);
            if (failedAtSubmission(task)) {
                // A redelivery of an event whose task could not be started the first time.
                writeError(upload.key(), image, task.id(), task.failure().code(), task.failure().message(), null);
                return new Outcome(Result.REJECTED, key, task.id(), task.failure().code());
            }
            LOG.info("Upload {} started task {} for key {}", image, task.id(), upload.owner());
            return new Outcome(Result.STARTED, key, task.id(), null);
        } catch (TransientFailureException e) {
            LOG.warn("Upload {} for key {} could not be handled now ({}); rethrown so that the event is retried",
                    image, upload.owner(), e.getLocalizedMessage());
            throw e;
        } catch (ConflictException e) {
            if ("request_in_progress".equals(e.code())) {
                throw new TransientFailureException(e.code(), "Upload " + image + ": " + e.getMessage(), e);
            }
            if ("idempotency_key_reused".equals(e.code())) {
                LOG.warn("Upload {} was delivered again, but its sidecar or metadata changed since: the first delivery's "
                        + "task stands and nothing new was made", image);
                return new Outcome(Result.IGNORED, key, null, e.code());
            }
            return reject(upload, image, request.body(), idempotencyKey, e);
        } catch (ReelayException refused) {
            return reject(upload, image, request.body(), idempotencyKey, refused);
        }
    }

    /** The sidecar's fields, or none when there is no sidecar. */
    private Map<String, ?> sidecar(UploadKey upload) {
        Optional<byte[]> bytes = uploads.read(upload.sidecarKey(), MAX_SIDECAR_BYTES);
        if (bytes.isEmpty()) {
            return Map.of();
        }
        if (bytes.get().length > MAX_SIDECAR_BYTES) {
            throw new InvalidRequestException("sidecar", "invalid_sidecar", "The sidecar " + upload.sidecarKey()
                    + " is larger than " + MAX_SIDECAR_BYTES / 1024 + " KiB.");
        }
        try {
            Object parsed = JSON.readValue(bytes.get(), Object.class);
            if (!(parsed instanceof Map<?, ?> fields)) {
                throw new InvalidRequestException("sidecar", "invalid_sidecar",
                        "The sidecar " + upload.sidecarKey() + " must hold a JSON object.");
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            fields.forEach((name, value) -> copy.put(String.valueOf(name), value));
            return copy;
        } catch (java.io.IOException e) {
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new InvalidRequestException("sidecar", "invalid_sidecar",
                    "The sidecar " + upload.sidecarKey() + " is not valid JSON: " + why);
        }
    }

    /**
     * Records the refused upload as a failed task of its owner (once, whatever the number of
     * deliveries) and writes the reason next to the image.
     */
    private Outcome reject(UploadKey upload, String image, Map<String, Object> body, String idempotencyKey,
                           ReelayException problem) {
        String param = problem instanceof InvalidRequestException invalid ? invalid.field() : null;
        String taskId = taskIds.get();
        IdempotencyKeys.Claim claim = idempotency.claim(upload.owner(), idempotencyKey, RequestHash.of(body), taskId);
        Task task;
        if (claim.claimedNow()) {
            task = Task.rejected(taskId, upload.owner(), clock.instant(), UploadParameters.asRecorded(body),
                    new Failure(problem.code(), problem.getMessage()));
            store.create(task);
            LOG.info("Upload {} for key {} refused: {} {}; recorded as failed task {}", image, upload.owner(),
                    problem.code(), problem.getMessage(), taskId);
        } else {
            Optional<Task> original = store.find(claim.taskId());
            if (original.isEmpty()) {
                throw new TransientFailureException("request_in_progress", "Upload " + image
                        + " is being handled by another delivery of its event (task " + claim.taskId() + " not recorded yet)");
            }
            task = original.get();
            if (!failedAtSubmission(task)) {
                LOG.warn("Upload {} was delivered again and refused ({}), but its first delivery made task {}, which stands",
                        image, problem.code(), task.id());
                return new Outcome(Result.IGNORED, upload.key(), task.id(), problem.code());
            }
            LOG.info("Upload {} delivered again: it was refused before as task {}", image, task.id());
        }
        String code = task.failure().code();
        writeError(upload.key(), image, task.id(), code, task.failure().message(), code.equals(problem.code()) ? param : null);
        return new Outcome(Result.REJECTED, upload.key(), task.id(), code);
    }

    private Outcome noOwner(String key, String image, String code, String message) {
        LOG.warn("Upload {} not generated: {} {}", image, code, message);
        writeError(key, image, null, code, message, null);
        return new Outcome(Result.NO_OWNER, key, null, code);
    }

    /** {@code {"error": {"code", "message", "param"}, "task_id", "image", "at"}} next to the image. */
    private void writeError(String key, String image, String taskId, String code, String message, String param) {
        writeErrorReport(uploads, clock, key, "image", image, "task_id", taskId, code, message, param);
    }

    /**
     * {@code {"error": {"code", "message", "param"}, <idName>, <subject>, "at"}} as {@code {key}.error.json}:
     * how the uploads bucket tells who put an object there why nothing (or not all) came of it.
     * Shared with the manifest trigger ({@link StartBatchFromManifest}).
     */
    static void writeErrorReport(UploadedObjects uploads, Clock clock, String key, String subjectName, String subject,
                                 String idName, String id, String code, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("param", param);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("error", error);
        report.put(idName, id);
        report.put(subjectName, subject);
        report.put("at", TaskRepresentation.iso(clock.instant()));
        try {
            uploads.write(UploadKey.errorKeyOf(key), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report),
                    "application/json");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("error report not serialisable", e);
        }
    }

    /** Refused before acceptance (recorded failed), or accepted but its workflow could not start. */
    private static boolean failedAtSubmission(Task task) {
        return task.status() == TaskStatus.FAILED && task.failure() != null
                && (task.timeline().stream().noneMatch(e -> e.event().equals(TimelineEvent.ACCEPTED))
                || "workflow_unavailable".equals(task.failure().code()));
    }

    /** S3 event keys are URL-encoded, with {@code +} for a space. */
    static String decode(String encodedKey) {
        try {
            return URLDecoder.decode(encodedKey, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            LOG.warn("Object key {} is not URL-encoded as S3 sends keys; taken as it is", encodedKey);
            return encodedKey;
        }
    }
}
