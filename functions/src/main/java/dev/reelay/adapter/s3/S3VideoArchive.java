package dev.reelay.adapter.s3;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.media.InvalidMp4Exception;
import dev.reelay.domain.media.Mp4Facts;
import dev.reelay.domain.media.Mp4Probe;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.VideoArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The archive bucket: archives videos in S3 by manual multipart upload through one reusable part
 * buffer, so memory stays bounded whatever the video's size and each part can be retried on its own.
 */
public final class S3VideoArchive implements VideoArchive {
    /** Above S3's 5 MiB minimum part size; 10,000 parts of it allow videos up to 80 GiB. */
    private static final int PART_BYTES = 8 * 1024 * 1024;
    private static final String MP4 = "video/mp4";
    private static final Logger log = LoggerFactory.getLogger(S3VideoArchive.class);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String archiveBucket;

    public S3VideoArchive(S3Client s3, S3Presigner presigner, String archiveBucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.archiveBucket = archiveBucket;
    }

    @Override
    public ArchivedVideo archive(String taskId, InputStream video, long expectedBytes) {
        String key = "videos/" + taskId + ".mp4";
        long started = System.nanoTime();
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(archiveBucket).key(key).contentType(MP4)
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        } catch (SdkException e) {
            throw S3Objects.storageFailure("archiving task " + taskId + " to s3://" + archiveBucket + "/" + key, e);
        }
        // The SHA-256 is recorded with the task (result.sha256), not as object metadata: a multipart upload
        // fixes its metadata before the first byte, and adding it afterwards meant copying the whole object
        // onto itself, a fifth of the archive's time at 1 GiB and impossible above 5 GiB (BENCHMARKS.md).
        Upload upload = upload(taskId, key, uploadId, video, expectedBytes);
        long millis = (System.nanoTime() - started) / 1_000_000;
        log.info("archived task {} to s3://{}/{}: {} bytes in {} parts, {} ms", taskId, archiveBucket, key,
                upload.bytes(), upload.parts(), millis);
        return new ArchivedVideo(key, upload.sha256(), upload.bytes(), upload.durationSeconds());
    }

    private record Upload(int parts, long bytes, String sha256, double durationSeconds) {
    }

    /**
     * Uploads the video part by part, checks it whole, then completes the upload; on any failure it
     * aborts the upload so that no object and no stray parts are left behind.
     */
    private Upload upload(String taskId, String key, String uploadId, InputStream video, long expectedBytes) {
        try {
            byte[] buffer = new byte[PART_BYTES];
            MessageDigest sha256 = sha256();
            Mp4Probe probe = new Mp4Probe();
            List<CompletedPart> parts = new ArrayList<>();
            long bytes = 0;
            int n;
            while ((n = readPart(taskId, video, buffer, bytes)) > 0) {
                sha256.update(buffer, 0, n);
                probe.update(buffer, 0, n);
                int partNumber = parts.size() + 1;
                int length = n;
                // Each attempt at the part re-reads the same buffer, so the SDK can retry it without a copy.
                UploadPartResponse part = s3.uploadPart(b -> b.bucket(archiveBucket).key(key).uploadId(uploadId)
                                .partNumber(partNumber).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length),
                                length, "application/octet-stream"));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(part.eTag())
                        .checksumCRC32(part.checksumCRC32()).build());
                bytes += n;
                if (n < PART_BYTES) {
                    break;
                }
            }
            if (expectedBytes >= 0 && bytes != expectedBytes) {
                throw new TransientFailureException("video_truncated", "received " + bytes
                        + " bytes of the video of task " + taskId + " but " + expectedBytes + " were announced");
            }
            if (bytes == 0) {
                throw new PermanentFailureException("invalid_video", "the video of task " + taskId + " is empty");
            }
            Mp4Facts facts = probe.finish();
            if (!facts.hasVideoTrack()) {
                throw new PermanentFailureException("invalid_video",
                        "the MP4 of task " + taskId + " has no video track: " + facts.tracks());
            }
            s3.completeMultipartUpload(b -> b.bucket(archiveBucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            return new Upload(parts.size(), bytes, HexFormat.of().formatHex(sha256.digest()), facts.durationSeconds());
        } catch (RuntimeException e) {
            RuntimeException failure = e instanceof InvalidMp4Exception
                    ? new PermanentFailureException("invalid_video",
                            "the video of task " + taskId + " is not a valid MP4: " + e.getMessage(), e)
                    : e instanceof SdkException sdk
                    ? S3Objects.storageFailure("archiving task " + taskId + " to s3://" + archiveBucket + "/" + key, sdk)
                    : e;
            abort(taskId, key, uploadId, failure);
            throw failure;
        }
    }

    /** Fills the buffer as far as the stream allows: only the last part may be short. */
    private static int readPart(String taskId, InputStream video, byte[] buffer, long bytesSoFar) {
        try {
            return video.readNBytes(buffer, 0, buffer.length);
        } catch (IOException e) {
            throw new TransientFailureException("video_download_interrupted",
                    "the video of task " + taskId + " broke off after " + bytesSoFar + " bytes: " + e.getMessage(), e);
        }
    }

    private void abort(String taskId, String key, String uploadId, RuntimeException failure) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(archiveBucket).key(key).uploadId(uploadId));
        } catch (RuntimeException abortFailure) {
            log.warn("could not abort multipart upload {} of s3://{}/{} for task {} after: {}", uploadId,
                    archiveBucket, key, taskId, failure.toString(), abortFailure);
            failure.addSuppressed(abortFailure);
        }
    }

    @Override
    public URI presignedUrl(String key, Duration validity) {
        return S3Objects.presignGet(presigner, archiveBucket, key, validity);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }
}
