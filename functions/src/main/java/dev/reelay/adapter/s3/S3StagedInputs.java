package dev.reelay.adapter.s3;

import dev.reelay.domain.request.ImageRules;
import dev.reelay.port.StagedInputs;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Input images staged in the uploads bucket under {@code inputs/{taskId}/}. */
public final class S3StagedInputs implements StagedInputs {
    private static final Logger log = LoggerFactory.getLogger(S3StagedInputs.class);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String uploadsBucket;
    private final S3BucketReader reader;

    public S3StagedInputs(S3Client s3, S3Presigner presigner, String uploadsBucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.uploadsBucket = uploadsBucket;
        this.reader = new S3BucketReader(s3);
    }

    @Override
    public String stage(String taskId, String name, byte[] content, String contentType) {
        String key = "inputs/" + taskId + "/" + name;
        try {
            s3.putObject(b -> b.bucket(uploadsBucket).key(key).contentType(contentType), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw S3Objects.storageFailure("staging s3://" + uploadsBucket + "/" + key, e);
        }
        log.info("staged input of task {} at s3://{}/{}: {} bytes", taskId, uploadsBucket, key, content.length);
        return key;
    }

    @Override
    public URI presignedUrl(String key, Duration validity) {
        return S3Objects.presignGet(presigner, uploadsBucket, key, validity);
    }

    @Override
    public byte[] read(String key) {
        return reader.read(uploadsBucket, key, ImageRules.MAX_BYTES);
    }
}
