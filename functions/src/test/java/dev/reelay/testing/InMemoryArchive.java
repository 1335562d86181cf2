package dev.reelay.testing;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.BucketReader;
import dev.reelay.port.StagedInputs;
import dev.reelay.port.VideoArchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A VideoArchive in memory, for unit tests of its users. It does not inspect the video. Its
 * {@link #inputs()} and {@link #buckets()} keep their objects in the same map, {@link #objects}
 * (keys without their bucket), as S3 serves all three in AWS.
 */
public final class InMemoryArchive implements VideoArchive {
    public final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    public double durationToReport = 5.0;
    private final StagedInputs inputs = new Inputs();
    private final BucketReader buckets = new Buckets();
    private int stagingFailuresLeft;
    private Function<String, RuntimeException> stagingFailure;

    @Override
    public ArchivedVideo archive(String taskId, InputStream video, long expectedBytes) {
        try {
            byte[] bytes = video.readAllBytes();
            String key = "videos/" + taskId + ".mp4";
            objects.put(key, bytes);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            return new ArchivedVideo(key, sha, bytes.length, durationToReport);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public URI presignedUrl(String key, Duration validity) {
        return URI.create("https://archive.test/" + key + "?expires=" + validity.toSeconds());
    }

    /** The staged inputs, beside the archive. */
    public StagedInputs inputs() {
        return inputs;
    }

    /** The buckets {@code s3://} image sources read: every object of {@link #objects}, whatever the bucket. */
    public BucketReader buckets() {
        return buckets;
    }

    /** The next {@code times} stagings fail with what {@code failure} makes of the staged name, as S3 does when unreachable. */
    public void failStaging(int times, Function<String, RuntimeException> failure) {
        this.stagingFailuresLeft = times;
        this.stagingFailure = failure;
    }

    private byte[] read(String key) {
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            throw new NotFoundException("object_not_found", "No " + key);
        }
        return bytes;
    }

    private final class Inputs implements StagedInputs {
        @Override
        public String stage(String taskId, String name, byte[] content, String contentType) {
            if (stagingFailuresLeft > 0) {
                stagingFailuresLeft--;
                throw stagingFailure.apply(name);
            }
            String key = "inputs/" + taskId + "/" + name;
            objects.put(key, content);
            return key;
        }

        @Override
        public URI presignedUrl(String key, Duration validity) {
            return URI.create("https://uploads.test/" + key);
        }

        @Override
        public byte[] read(String key) {
            return InMemoryArchive.this.read(key);
        }
    }

    private final class Buckets implements BucketReader {
        @Override
        public byte[] read(String bucket, String key, long maxBytes) {
            return InMemoryArchive.this.read(key);
        }
    }
}
