package dev.reelay.local.engines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * S3 event notifications for the local S3, which s3proxy does not send. After each successful
 * object write the blob store reports, every matching subscription gets an S3 event of the shape
 * AWS sends (event version 2.1, the key URL-encoded with {@code +} for spaces, size, eTag and a
 * sequencer), delivered off the request thread, one at a time, as S3 hands events to an
 * asynchronous Lambda invocation. A target that fails is logged, like a dropped delivery.
 */
public final class S3Notifications implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Notifications.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One notification of a bucket, filtered as S3 filters: keys starting with {@code prefix} and
     * ending with one of {@code suffixes} (case-sensitive, as in S3; no suffixes: any key).
     * {@code id} is the event's {@code configurationId}.
     */
    public record Subscription(String id, String bucket, String prefix, List<String> suffixes, Consumer<byte[]> target) {
        public Subscription {
            suffixes = List.copyOf(suffixes);
        }

        /** Whether an object created as {@code key} (not URL-encoded) in {@code bucketName} is this subscription's. */
        public boolean matches(String bucketName, String key) {
            return bucket.equals(bucketName) && key.startsWith(prefix)
                    && (suffixes.isEmpty() || suffixes.stream().anyMatch(key::endsWith));
        }
    }

    private final String region;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-s3-notifications");
        thread.setDaemon(true);
        return thread;
    });
    private long lastSequence;

    S3Notifications(String region) {
        this.region = region;
    }

    public void subscribe(Subscription subscription) {
        subscriptions.add(subscription);
    }

    /**
     * Called on the request thread right after a write succeeded: reads the object's size and
     * eTag as they are now and hands one event per matching subscription to the delivery thread.
     */
    void objectCreated(BlobStore store, String eventName, String bucket, String key) {
        List<Subscription> matching = subscriptions.stream().filter(s -> s.matches(bucket, key)).toList();
        if (matching.isEmpty()) {
            return;
        }
        HeadObjectResponse head;
        try {
            head = store.blobMetadata(bucket, key);
        } catch (RuntimeException e) {
            LOG.warn("No {} event for s3://{}/{}: its metadata could not be read", eventName, bucket, key, e);
            return;
        }
        String sequencer = nextSequencer();
        for (Subscription subscription : matching) {
            byte[] event = event(subscription.id(), eventName, bucket, key, head, sequencer);
            delivery.execute(() -> {
                try {
                    subscription.target().accept(event);
                    LOG.debug("Sent {} of s3://{}/{} to {}", eventName, bucket, key, subscription.id());
                } catch (RuntimeException e) {
                    LOG.warn("The {} event of s3://{}/{} could not be delivered to {}", eventName, bucket, key, subscription.id(), e);
                }
            });
        }
    }

    /** Rising hexadecimal values, as S3's are for the events of one key; unique across restarts of the stack too. */
    private synchronized String nextSequencer() {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        lastSequence = Math.max(lastSequence + 1, micros);
        return String.format(Locale.ROOT, "%018X", lastSequence);
    }

    private byte[] event(String configurationId, String eventName, String bucket, String key, HeadObjectResponse head,
                         String sequencer) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("key", encodeKey(key));
        object.put("size", head.contentLength());
        object.put("eTag", head.eTag() == null ? null : head.eTag().replace("\"", ""));
        object.put("sequencer", sequencer);
        Map<String, Object> s3 = new LinkedHashMap<>();
        s3.put("s3SchemaVersion", "1.0");
        s3.put("configurationId", configurationId);
        s3.put("bucket", Map.of("name", bucket, "ownerIdentity", Map.of("principalId", "local"), "arn", "arn:aws:s3:::" + bucket));
        s3.put("object", object);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("eventVersion", "2.1");
        record.put("eventSource", "aws:s3");
        record.put("awsRegion", region);
        record.put("eventTime", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        record.put("eventName", eventName);
        record.put("userIdentity", Map.of("principalId", "AWS:local"));
        record.put("requestParameters", Map.of("sourceIPAddress", "127.0.0.1"));
        record.put("responseElements", Map.of("x-amz-request-id", HexFormat.of().withUpperCase().formatHex(random(8)),
                "x-amz-id-2", Base64.getEncoder().encodeToString(random(48))));
        record.put("s3", s3);
        try {
            return JSON.writeValueAsBytes(Map.of("Records", List.of(record)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("S3 event not serialisable", e);
        }
    }

    /** As S3 writes keys in events: each path segment form-encoded ({@code +} for a space), slashes kept. */
    static String encodeKey(String key) {
        return Arrays.stream(key.split("/", -1)).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8))
                .collect(Collectors.joining("/"));
    }

    private static byte[] random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return random;
    }

    @Override
    public void close() {
        delivery.shutdown();
        try {
            if (!delivery.awaitTermination(2, TimeUnit.SECONDS)) {
                delivery.shutdownNow();
            }
        } catch (InterruptedException e) {
            delivery.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
