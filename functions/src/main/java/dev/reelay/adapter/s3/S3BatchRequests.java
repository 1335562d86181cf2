package dev.reelay.adapter.s3;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.port.BatchRequests;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.util.List;

/**
 * A batch's requests in the uploads bucket, as one JSON array at {@code batch-requests/{batchId}.json}:
 * written once when the batch is accepted, read by each run of its workflow that makes tasks.
 */
public final class S3BatchRequests implements BatchRequests {
    static final String PREFIX = "batch-requests/";
    /** Far above what an API request (API Gateway takes 10 MB) or a manifest (16 MiB) can hold. */
    private static final long MAX_BYTES = 64L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final S3Client s3;
    private final S3BucketReader reader;
    private final String uploadsBucket;

    public S3BatchRequests(S3Client s3, String uploadsBucket) {
        this.s3 = s3;
        this.reader = new S3BucketReader(s3);
        this.uploadsBucket = uploadsBucket;
    }

    @Override
    public void store(String batchId, List<Object> bodies) {
        String key = PREFIX + batchId + ".json";
        try {
            byte[] content = JSON.writeValueAsBytes(bodies);
            s3.putObject(put -> put.bucket(uploadsBucket).key(key).contentType("application/json"), RequestBody.fromBytes(content));
        } catch (IOException | SdkException e) {
            throw S3Objects.storageFailure("keeping the requests of batch " + batchId + " at s3://" + uploadsBucket + "/" + key, e);
        }
    }

    @Override
    public List<Object> load(String batchId) {
        byte[] content = reader.read(uploadsBucket, PREFIX + batchId + ".json", MAX_BYTES);
        try {
            return JSON.readValue(content, new TypeReference<List<Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("The requests of batch " + batchId + " are not the JSON array they were stored as", e);
        }
    }
}
