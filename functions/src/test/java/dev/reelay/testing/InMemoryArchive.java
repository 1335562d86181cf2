package dev.reelay.testing;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.port.ArchivedVideo;
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

/** A VideoArchive in memory, for unit tests of its users. It does not inspect the video. */
public final class InMemoryArchive implements VideoArchive {
    public final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    public double durationToReport = 5.0;

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

    private int stagingFailuresLeft;
    private java.util.function.Function<String, RuntimeException> stagingFailure;

    /** The next {@code times} stagings fail with what {@code failure} makes of the staged name, as S3 does when unreachable. */
    public void failStaging(int times, java.util.function.Function<String, RuntimeException> failure) {
        this.stagingFailuresLeft = times;
        this.stagingFailure = failure;
    }

    @Override
    public String stageInput(String taskId, String name, byte[] content, String contentType) {
        if (stagingFailuresLeft > 0) {
            stagingFailuresLeft--;
            throw stagingFailure.apply(name);
        }
        String key = "inputs/" + taskId + "/" + name;
        objects.put(key, content);
        return key;
    }

    @Override
    public URI presignedInputUrl(String key, Duration validity) {
        return URI.create("https://uploads.test/" + key);
    }

    @Override
    public byte[] readInput(String key) {
        return read("uploads", key, Long.MAX_VALUE);
    }

    @Override
    public byte[] read(String bucket, String key, long maxBytes) {
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            throw new NotFoundException("object_not_found", "No " + key);
        }
        return bytes;
    }
}
