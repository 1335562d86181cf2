package dev.reelay.adapter.s3;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.port.BucketReader;
import java.io.IOException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Reads objects of any bucket the function may read, for {@code s3://} image sources. */
public final class S3BucketReader implements BucketReader {
    private final S3Client s3;

    public S3BucketReader(S3Client s3) {
        this.s3 = s3;
    }

    @Override
    public byte[] read(String bucket, String key, long maxBytes) {
        try {
            return S3Objects.readAtMost(s3, bucket, key, maxBytes);
        } catch (S3Exception e) {
            // NoSuchKey and NoSuchBucket are 404s; without s3:ListBucket S3 answers 403 for a missing
            // key too. Either way there is nothing the caller may read there.
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                throw new NotFoundException("object_not_found", "s3://" + bucket + "/" + key
                        + " does not exist or is not readable (HTTP " + e.statusCode() + ")");
            }
            throw S3Objects.storageFailure("reading s3://" + bucket + "/" + key, e);
        } catch (SdkException | IOException e) {
            throw S3Objects.storageFailure("reading s3://" + bucket + "/" + key, e);
        }
    }
}
