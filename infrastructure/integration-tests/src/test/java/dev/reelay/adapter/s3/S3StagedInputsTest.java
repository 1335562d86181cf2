package dev.reelay.adapter.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.local.engines.LocalS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@link S3StagedInputs} against a real S3 implementation: s3proxy with its in-memory store. */
class S3StagedInputsTest {
    private static final String UPLOADS = "reelay-uploads";

    private static LocalS3 localS3;
    private static S3StagedInputs inputs;

    @BeforeAll
    static void startS3() {
        localS3 = LocalS3.start(null);
        localS3.createBucket(UPLOADS);
        inputs = new S3StagedInputs(localS3.client(), localS3.presigner(), UPLOADS);
    }

    @AfterAll
    static void stopS3() {
        if (localS3 != null) {
            localS3.close();
        }
    }

    @Test
    void stagedInputsAreServedByTheirPresignedUrl() throws Exception {
        byte[] image = "not really a png, but S3 does not care".getBytes(StandardCharsets.UTF_8);

        String key = inputs.stage("task-in", "image_start.png", image, "image/png");
        URI url = inputs.presignedUrl(key, Duration.ofMinutes(5));
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(key).isEqualTo("inputs/task-in/image_start.png");
        assertThat(url.getPath()).isEqualTo("/" + UPLOADS + "/inputs/task-in/image_start.png");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(image);
        assertThat(response.headers().firstValue("content-type")).hasValue("image/png");
    }

    @Test
    void aStagedInputReadsBackAsStagedAndAMissingOneIsNotFound() {
        byte[] image = "the checked bytes".getBytes(StandardCharsets.UTF_8);

        String key = inputs.stage("task-inline", "image_end.jpeg", image, "image/jpeg");

        assertThat(inputs.read(key)).isEqualTo(image);
        assertThatThrownBy(() -> inputs.read("inputs/task-never/image_start.jpeg"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).isEqualTo("object_not_found"));
    }

    @Test
    void readingAnInputStopsOneBytePastTheImageLimit() {
        byte[] tooLarge = new byte[(int) ImageRules.MAX_BYTES + 10];
        localS3.client().putObject(b -> b.bucket(UPLOADS).key("inputs/task-big/image_start.jpeg"), RequestBody.fromBytes(tooLarge));

        assertThat(inputs.read("inputs/task-big/image_start.jpeg")).hasSize((int) ImageRules.MAX_BYTES + 1);
    }
}
