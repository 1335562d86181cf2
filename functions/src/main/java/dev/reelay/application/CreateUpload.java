package dev.reelay.application;

import dev.reelay.domain.upload.DirectUpload;
import dev.reelay.port.UploadUrls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code POST /v1/uploads}: a presigned PUT of one image to the caller's own folder of the uploads
 * bucket, and the {@code upload://} reference that {@code image_start} and {@code image_end} take
 * (docs/uploads.md). Nothing is recorded: the reference carries its expiry, and the object its owner.
 */
public final class CreateUpload {
    public static final String OBJECT = "upload";
    private static final Logger LOG = LoggerFactory.getLogger(CreateUpload.class);

    private final UploadUrls urls;
    private final Clock clock;
    private final Supplier<String> randomIds;

    /** @param randomIds 20 random base-36 characters each call */
    public CreateUpload(UploadUrls urls, Clock clock, Supplier<String> randomIds) {
        this.urls = urls;
        this.clock = clock;
        this.randomIds = randomIds;
    }

    /** The upload object: its id, reference, URL, the method and headers of the PUT, and its expiry. */
    public Map<String, Object> create(String ownerKeyId, Object body) {
        TaskLog.clearTask();
        TaskLog.keyName(ownerKeyId);
        Instant now = clock.instant();
        DirectUpload upload = DirectUpload.of(body, now, randomIds.get());
        // The URL expires with the reference (never later), so an object can only be put while it may be used.
        UploadUrls.PresignedPut put = urls.presignPut(upload.objectKey(ownerKeyId), upload.contentType(), upload.size(),
                Duration.between(now, upload.expiresAt()));
        LOG.info("Upload {} for key {}: {} of {} bytes, until {}", upload.id(), ownerKeyId, upload.contentType(), upload.size(),
                upload.expiresAt());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("object", OBJECT);
        json.put("id", upload.id());
        json.put("reference", upload.reference());
        json.put("upload_url", put.url().toString());
        json.put("method", "PUT");
        json.put("headers", new LinkedHashMap<>(put.headers()));
        json.put("content_type", upload.contentType());
        json.put("size", upload.size());
        json.put("expires_at", upload.expiresAt().toString());
        return json;
    }
}
