package dev.reelay.local.engines;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URI;

/**
 * The S3 the local runtime runs on: s3proxy in this JVM ({@link LocalS3}), or another engine
 * (e.g. LocalStack's). Clients use path-style addressing in us-east-1.
 */
public interface S3Engine {
    URI endpoint();

    /** Credentials this engine accepts (it may accept any). */
    String accessKey();

    String secretKey();

    /** A client of this engine; closed with it. */
    S3Client client();

    /** A presigner for this engine; closed with it. */
    S3Presigner presigner();

    /** Creates the bucket unless it already exists. */
    default void createBucket(String name) {
        try {
            client().createBucket(b -> b.bucket(name));
        } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException
                 | software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException alreadyThere) {
            // idempotent by design: a bucket kept from an earlier run is reused
        }
    }

    /**
     * Sends an S3 event to {@code subscription}'s target after each object created in its bucket
     * that its filter matches, as a bucket notification does in AWS.
     */
    void subscribe(S3Notifications.Subscription subscription);
}
