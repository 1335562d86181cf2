package dev.reelay.adapter.s3;

import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.port.UploadedObjects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The uploads bucket in S3: HEAD for metadata, GET for sidecars, PUT for error reports. */
public final class S3UploadedObjects implements UploadedObjects {
    private final S3Client s3;
    private final String bucket;

    public S3UploadedObjects(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public Optional<Map<String, String>> metadata(String key) {
        try {
            Map<String, String> metadata = new LinkedHashMap<>();
            s3.headObject(b -> b.bucket(bucket).key(key)).metadata()
                    .forEach((name, value) -> metadata.put(name.toLowerCase(Locale.ROOT), value));
            return Optional.of(metadata);
        } catch (S3Exception e) {
            if (missing(e)) {
                return Optional.empty();
            }
            throw storageFailure("reading the metadata of", key, e);
        } catch (SdkException e) {
            throw storageFailure("reading the metadata of", key, e);
        }
    }

    @Override
    public Optional<byte[]> read(String key, long maxBytes) {
        try {
            return Optional.of(S3Objects.readAtMost(s3, bucket, key, maxBytes));
        } catch (S3Exception e) {
            if (missing(e)) {
                return Optional.empty();
            }
            throw storageFailure("reading", key, e);
        } catch (SdkException | IOException e) {
            throw storageFailure("reading", key, e);
        }
    }

    @Override
    public void write(String key, byte[] content, String contentType) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw storageFailure("writing", key, e);
        }
    }

    /**
     * Only a 404 means "no such object": the function may list the bucket, so S3 answers 404 for a
     * missing key. A 403 is a misconfigured role, which must not pass for "no sidecar".
     */
    private static boolean missing(S3Exception e) {
        return e.statusCode() == 404;
    }

    private TransientFailureException storageFailure(String what, String key, Exception e) {
        return S3Objects.storageFailure(what + " s3://" + bucket + "/" + key, e);
    }
}
