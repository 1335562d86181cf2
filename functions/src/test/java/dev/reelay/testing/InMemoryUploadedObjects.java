package dev.reelay.testing;

import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.port.UploadedObjects;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The uploads bucket in memory. Its bytes live in the given map, so that an {@link InMemoryArchive}
 * sharing it reads the same objects (as S3 serves both in AWS). {@code unavailable} makes every
 * call fail as S3 would when it cannot be reached.
 */
public final class InMemoryUploadedObjects implements UploadedObjects {
    private final String bucket;
    private final Map<String, byte[]> objects;
    public final Map<String, Map<String, String>> metadata = new ConcurrentHashMap<>();
    public volatile boolean unavailable;

    public InMemoryUploadedObjects(String bucket, Map<String, byte[]> objects) {
        this.bucket = bucket;
        this.objects = objects;
    }

    /** Puts an object with its user metadata, as a client would. */
    public void put(String key, byte[] content, Map<String, String> userMetadata) {
        objects.put(key, content);
        metadata.put(key, Map.copyOf(userMetadata));
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public Optional<Map<String, String>> metadata(String key) {
        check(key);
        return objects.containsKey(key) ? Optional.of(metadata.getOrDefault(key, Map.of())) : Optional.empty();
    }

    @Override
    public Optional<byte[]> read(String key, long maxBytes) {
        check(key);
        return Optional.ofNullable(objects.get(key)).map(b -> Arrays.copyOf(b, (int) Math.min(b.length, maxBytes + 1)));
    }

    @Override
    public void write(String key, byte[] content, String contentType) {
        check(key);
        objects.put(key, content);
    }

    private void check(String key) {
        if (unavailable) {
            throw new TransientFailureException("storage_unavailable", "s3://" + bucket + "/" + key + ": S3 is unreachable");
        }
    }
}
