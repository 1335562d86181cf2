package dev.reelay.adapter.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.local.engines.LocalS3;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@link S3BucketReader} against a real S3 implementation: s3proxy with its in-memory store. */
class S3BucketReaderTest {
    private static final String UPLOADS = "reelay-uploads";

    private static LocalS3 localS3;
    private static S3BucketReader reader;

    @BeforeAll
    static void startS3() {
        localS3 = LocalS3.start(null);
        localS3.createBucket(UPLOADS);
        reader = new S3BucketReader(localS3.client());
    }

    @AfterAll
    static void stopS3() {
        if (localS3 != null) {
            localS3.close();
        }
    }

    @Test
    void readReturnsAtMostMaxBytesPlusOne() {
        byte[] content = new byte[1000];
        new Random(5).nextBytes(content);
        localS3.client().putObject(b -> b.bucket(UPLOADS).key("user/photo.jpg"), RequestBody.fromBytes(content));

        assertThat(reader.read(UPLOADS, "user/photo.jpg", 100)).hasSize(101).startsWith(Arrays.copyOf(content, 101));
        assertThat(reader.read(UPLOADS, "user/photo.jpg", 1000)).isEqualTo(content);
        assertThat(reader.read(UPLOADS, "user/photo.jpg", 5000)).isEqualTo(content);
    }

    @Test
    void readOfAMissingObjectOrBucketIsNotFound() {
        assertThatThrownBy(() -> reader.read(UPLOADS, "user/missing.jpg", 100))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).isEqualTo("object_not_found"));
        assertThatThrownBy(() -> reader.read("no-such-bucket", "user/photo.jpg", 100))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).isEqualTo("object_not_found"));
    }
}
