package dev.reelay.adapter.s3;

import dev.reelay.domain.error.TransientFailureException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** What the S3 adapters do alike: bounded reads, presigned GETs, and failures worth another try. */
final class S3Objects {
    private static final Logger log = LoggerFactory.getLogger(S3Objects.class);

    private S3Objects() {
    }

    /**
     * Reads at most {@code maxBytes + 1} bytes of the object, so the caller can tell one that is too
     * large, without draining the rest of it. S3's own exceptions are left to the caller.
     */
    static byte[] readAtMost(S3Client s3, String bucket, String key, long maxBytes) throws IOException {
        if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
        }
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            byte[] bytes = in.readNBytes((int) maxBytes + 1);
            if (bytes.length > maxBytes) {
                in.abort(); // do not drain the rest of an object that is too large anyway
            }
            return bytes;
        }
    }

    /** A time-limited GET URL of the object. */
    static URI presignGet(S3Presigner presigner, String bucket, String key, Duration validity) {
        URI url = URI.create(presigner.presignGetObject(b -> b.signatureDuration(validity)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
        log.debug("presigned GET of s3://{}/{} valid for {}", bucket, key, validity);
        return url;
    }

    /** S3 or the network failed us: worth another try with backoff. */
    static TransientFailureException storageFailure(String what, Exception e) {
        return new TransientFailureException("storage_unavailable", what + " failed: " + e.getMessage(), e);
    }
}
