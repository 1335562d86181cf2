package dev.reelay.port;

import java.net.URI;
import java.time.Duration;

/**
 * The input images of accepted tasks, staged where the providers can fetch them: the bytes Reelay
 * checked, not whatever the caller's URL serves later.
 */
public interface StagedInputs {

    /**
     * Stores an input image the caller gave us (already checked) under
     * {@code inputs/{taskId}/{name}} and returns its key, so that the provider later sees exactly
     * the bytes we validated.
     */
    String stage(String taskId, String name, byte[] content, String contentType);

    /** A time-limited GET URL of a staged input, for the provider to fetch. */
    URI presignedUrl(String key, Duration validity);

    /** The bytes of a staged input, for vendors that take images inline. */
    byte[] read(String key);
}
