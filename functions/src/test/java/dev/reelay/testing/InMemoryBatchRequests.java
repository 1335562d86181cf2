package dev.reelay.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.port.BatchRequests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A batch's requests in memory, kept as the JSON the S3 adapter writes and read back as it reads
 * them, so numbers and nulls come back as the workflow would see them. {@code unavailable} makes
 * every call fail as S3 would when it cannot be reached; {@code loads} counts reads.
 */
public final class InMemoryBatchRequests implements BatchRequests {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    public volatile boolean unavailable;
    public volatile int loads;

    @Override
    public void store(String batchId, List<Object> bodies) {
        check(batchId);
        try {
            stored.put(batchId, JSON.writeValueAsBytes(bodies));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Object> load(String batchId) {
        check(batchId);
        loads++;
        byte[] content = stored.get(batchId);
        if (content == null) {
            throw new IllegalStateException("No requests kept for batch " + batchId);
        }
        try {
            return JSON.readValue(content, new TypeReference<List<Object>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean has(String batchId) {
        return stored.containsKey(batchId);
    }

    private void check(String batchId) {
        if (unavailable) {
            throw new TransientFailureException("storage_unavailable", "The requests of batch " + batchId + ": S3 is unreachable");
        }
    }
}
