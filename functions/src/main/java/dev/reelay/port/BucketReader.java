package dev.reelay.port;

/**
 * Reads objects named by {@code s3://bucket/key} image sources: the uploads bucket's images for the
 * upload trigger, and any bucket of the local stack.
 */
public interface BucketReader {

    /**
     * At most {@code maxBytes + 1} bytes of the object, so that the caller can tell one that is too large.
     *
     * @throws dev.reelay.domain.error.NotFoundException when there is no such object or bucket, or it may not be read
     */
    byte[] read(String bucket, String key, long maxBytes);
}
