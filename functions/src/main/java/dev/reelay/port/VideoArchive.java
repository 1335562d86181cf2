package dev.reelay.port;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;

/** Durable storage for finished videos: the archive a task's result lives in. */
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

    /** A time-limited GET URL of an archived video ({@link ArchivedVideo#key()}), for the task's caller. */
    URI presignedUrl(String key, Duration validity);
}
