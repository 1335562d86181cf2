package dev.reelay.port;

import java.util.Map;
import java.util.Optional;

/**
 * The uploads bucket as the upload trigger sees it: an image's metadata, its sidecar, and the
 * error report written next to a refused image. Storage failures are
 * {@link dev.reelay.domain.error.TransientFailureException}s (worth another try); a missing
 * object is an empty answer.
 */
public interface UploadedObjects {

    /** The bucket these objects live in. */
    String bucket();

    /** The object's user metadata ({@code x-amz-meta-*}), names lower-case without the prefix; empty when there is no such object. */
    Optional<Map<String, String>> metadata(String key);

    /** At most {@code maxBytes + 1} bytes of the object, so the caller can tell one that is too large; empty when there is none. */
    Optional<byte[]> read(String key, long maxBytes);

    /** Writes (or overwrites) an object. */
    void write(String key, byte[] content, String contentType);
}
