package dev.reelay.port;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;

/** Durable storage for finished videos and for the input images Reelay hands to providers. */
public interface VideoArchive {

    /**
     * Streams a provider's video into the archive under {@code videos/{taskId}.mp4} with bounded
     * memory, hashing it on the way.
     *
     * @param expectedBytes the Content-Length the provider announced, or -1 when it sent none
     * @throws dev.reelay.domain.error.TransientFailureException when the stream breaks or ends
     *         short of {@code expectedBytes} (worth another try)
     * @throws dev.reelay.domain.error.PermanentFailureException when the bytes are not an MP4
     */
    ArchivedVideo archive(String taskId, InputStream video, long expectedBytes);

    /** A time-limited GET URL for an archived object. */
    URI presignedUrl(String key, Duration validity);

    /**
     * Stores an input image the caller gave us (already checked) under
     * {@code inputs/{taskId}/{name}} and returns its key, so that the provider later sees exactly
     * the bytes we validated.
     */
    String stageInput(String taskId, String name, byte[] content, String contentType);

    /** A time-limited GET URL of a staged input, for the provider to fetch. */
    URI presignedInputUrl(String key, Duration validity);

    /** The bytes of a staged input, for vendors that take images inline. */
    byte[] readInput(String key);

    /** Reads at most {@code maxBytes + 1} bytes of an object in the given bucket (for s3:// image sources). */
    byte[] read(String bucket, String key, long maxBytes);
}
