package dev.reelay.adapter.s3;

import dev.reelay.port.UploadUrls;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Presigned PUTs of the uploads bucket. Presigning is computed locally and sends nothing; the URL
 * carries the permissions of the signer (the function's role), which must allow {@code s3:PutObject}
 * on the key. Content-Type and Content-Length are signed headers: S3 refuses a PUT with others.
 */
public final class S3UploadUrls implements UploadUrls {
    private final S3Presigner presigner;
    private final String uploadsBucket;

    public S3UploadUrls(S3Presigner presigner, String uploadsBucket) {
        this.presigner = presigner;
        this.uploadsBucket = uploadsBucket;
    }

    @Override
    public PresignedPut presignPut(String key, String contentType, long contentLength, Duration validity) {
        PresignedPutObjectRequest presigned = presigner.presignPutObject(b -> b.signatureDuration(validity)
                .putObjectRequest(p -> p.bucket(uploadsBucket).key(key).contentType(contentType).contentLength(contentLength)));
        // Content-Type is the one header a client must set itself; Content-Length follows from the body it sends.
        return new PresignedPut(URI.create(presigned.url().toString()), Map.of("Content-Type", contentType));
    }
}
