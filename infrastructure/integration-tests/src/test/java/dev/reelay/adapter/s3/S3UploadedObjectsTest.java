package dev.reelay.adapter.s3;

import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.local.engines.LocalS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link S3UploadedObjects} against a real S3 implementation: s3proxy with its in-memory store. */
class S3UploadedObjectsTest {
    private static final String UPLOADS = "reelay-uploads";
    private static LocalS3 localS3;
    private static S3UploadedObjects uploads;

    @BeforeAll
    static void startS3() {
        localS3 = LocalS3.start(null);
        localS3.createBucket(UPLOADS);
        uploads = new S3UploadedObjects(localS3.client(), UPLOADS);
    }

    @AfterAll
    static void stopS3() {
        localS3.close();
    }

    @Test
    void metadataNamesComeBackLowerCaseWithoutTheirPrefix() {
        localS3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/a/cat.jpg")
                .metadata(Map.of("Prompt", "waves", "negative_prompt", "blur", "Last-Image", "end.jpg")), RequestBody.fromString("x"));

        assertThat(uploads.metadata("uploads/a/cat.jpg")).contains(
                Map.of("prompt", "waves", "negative_prompt", "blur", "last-image", "end.jpg"));
    }

    @Test
    void aMissingObjectIsAnEmptyAnswerNotAFailure() {
        assertThat(uploads.metadata("uploads/a/none.jpg")).isEmpty();
        assertThat(uploads.read("uploads/a/none.jpg.json", 100)).isEmpty();
    }

    @Test
    void readsOneBytePastTheLimitAtMostAndWritesWithItsContentType() {
        uploads.write("uploads/a/cat.jpg.error.json", "{\"error\": {}}".getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(uploads.read("uploads/a/cat.jpg.error.json", 4)).hasValueSatisfying(b -> assertThat(b).hasSize(5));
        assertThat(new String(uploads.read("uploads/a/cat.jpg.error.json", 1000).orElseThrow(), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\": {}}");
        assertThat(localS3.client().headObject(h -> h.bucket(UPLOADS).key("uploads/a/cat.jpg.error.json")).contentType())
                .isEqualTo("application/json");
    }

    @Test
    void aBucketThatIsNotThereIsAStorageFailureToRetry() {
        S3UploadedObjects elsewhere = new S3UploadedObjects(localS3.client(), "no-such-bucket");

        assertThatThrownBy(() -> elsewhere.write("uploads/a/x.error.json", new byte[1], "application/json"))
                .isInstanceOfSatisfying(TransientFailureException.class, e -> assertThat(e.code()).isEqualTo("storage_unavailable"));
    }
}
