package dev.reelay.application;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.image.FetchingImageSource;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.upload.DirectUpload;
import dev.reelay.port.UploadUrls;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryBudgets;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import dev.reelay.testing.RecordingMetrics;
import dev.reelay.testing.RecordingWorkflow;
import dev.reelay.testing.TestImages;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code POST /v1/uploads}, then a submission naming the upload: an {@code upload://} reference resolves
 * to the submitting key's own object only, and a missing, another key's, expired, too large or
 * non-image upload is refused with the codes of any image. In-memory ports and the real image source.
 */
class SubmitFromDirectUploadTest {
    private static final String BUCKET = "reelay-uploads";
    private static final Instant NOW = Instant.parse("2026-12-02T15:00:00Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final InMemoryArchive archive = new InMemoryArchive();
    private final InMemoryBudgets budgets = new InMemoryBudgets();
    private final InMemoryTaskStore store = new InMemoryTaskStore(budgets);
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> signed = new ArrayList<>();
    private final UploadUrls urls = (key, contentType, length, validity) -> {
        signed.add(key + " " + contentType + " " + length + " " + validity);
        return new UploadUrls.PresignedPut(URI.create("https://" + BUCKET + ".s3.amazonaws.com/" + key + "?X-Amz-Signature=x"),
                Map.of("Content-Type", contentType));
    };
    private final CreateUpload createUpload = new CreateUpload(urls, clock, () -> String.format("%020d", ids.incrementAndGet()));
    private final SubmitVideoGeneration submit = new SubmitVideoGeneration(new GenerationRequestParser(),
            new FetchingImageSource(new HttpTransport(UrlConnectionHttpClient.create()), archive.buckets(), false).withDirectUploads(BUCKET, clock),
            archive.inputs(), new ProviderTable(List.of(Providers.profile("unified", "0.075"))), store, workflow, clock,
            () -> "task-" + ids.incrementAndGet(), new InMemoryIdempotencyKeys(), new InMemoryApiKeys(), budgets, new RecordingMetrics());

    /** POST /v1/uploads by {@code owner}, and the PUT of {@code bytes} to its object (InMemoryArchive ignores the bucket). */
    private String upload(String owner, String contentType, byte[] bytes) {
        return upload(owner, contentType, bytes.length, bytes);
    }

    /** As S3 would not take it: bytes of another length than the signed one. */
    private String upload(String owner, String contentType, long declared, byte[] bytes) {
        Map<String, Object> answer = createUpload.create(owner, Map.of("content_type", contentType, "size", declared));
        String id = (String) answer.get("id");
        archive.objects.put("direct-uploads/" + owner + "/" + id, bytes);
        return (String) answer.get("reference");
    }

    private Task submitWith(String owner, String start, String end) {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves", "image_start", start));
        if (end != null) {
            body.put("image_end", end);
        }
        return submit.submit(owner, body);
    }

    private void refused(String owner, String start, String end, String field, String code) {
        assertThatThrownBy(() -> submitWith(owner, start, end)).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.field()).isEqualTo(field);
        });
        assertThat(workflow.started).isEmpty();
    }

    @Test
    void theAnswerIsAPresignedPutOfTheCallersOwnObjectForAnHour() {
        Map<String, Object> answer = createUpload.create("team-a", Map.of("content_type", "image/png", "size", 123456));

        String id = (String) answer.get("id");
        assertThat(answer).containsEntry("object", "upload").containsEntry("reference", "upload://" + id)
                .containsEntry("method", "PUT").containsEntry("headers", Map.of("Content-Type", "image/png"))
                .containsEntry("content_type", "image/png").containsEntry("size", 123456L)
                .containsEntry("expires_at", "2026-12-02T16:00:01Z");
        assertThat(id).matches("upl-[0-9]+-[0-9a-z]{20}");
        assertThat((String) answer.get("upload_url")).contains("/direct-uploads/team-a/" + id + "?");
        assertThat(signed).containsExactly("direct-uploads/team-a/" + id + " image/png 123456 PT1H1S");
    }

    @Test
    void anUploadOfTheCallerBecomesATaskLikeAnyImage() throws IOException {
        String start = upload("team-a", "image/png", TestImages.png(1280, 720));
        String end = upload("team-a", "image/jpeg", TestImages.jpeg(1280, 720));

        Task task = submitWith("team-a", start, end);

        assertThat(task.ownerKeyId()).isEqualTo("team-a");
        assertThat(workflow.started).containsExactly(task.id());
        assertThat(archive.objects).containsKey("inputs/" + task.id() + "/image_start.png");
    }

    @Test
    void anotherKeysUploadIsUnreachableAsAMissingOneIs() throws IOException {
        String theirs = upload("team-b", "image/png", TestImages.png(1280, 720));
        refused("team-a", theirs, null, "image_start", "image_unreachable");
        String mine = upload("team-a", "image/png", TestImages.png(1280, 720));
        refused("team-a", mine, theirs, "image_end", "image_unreachable");
        // Created, never put.
        String never = (String) createUpload.create("team-a", Map.of("content_type", "image/png", "size", 10)).get("reference");
        refused("team-a", never, null, "image_start", "image_unreachable");
    }

    @Test
    void anExpiredUploadIsRefusedEvenIfItsObjectIsStillThere() throws IOException {
        String reference = upload("team-a", "image/png", TestImages.png(1280, 720));
        now.set(NOW.plus(DirectUpload.VALIDITY).plusSeconds(1));
        refused("team-a", reference, null, "image_start", "image_unreachable");
    }

    @Test
    void aTooLargeOrNonImageUploadIsRefusedByTheImageRules() throws IOException {
        byte[] tooLarge = Arrays.copyOf(TestImages.png(1280, 720), (int) ImageRules.MAX_BYTES + 10);
        // S3 refuses a PUT of another length than the signed one; the image rules hold all the same.
        String large = upload("team-a", "image/png", 1000, tooLarge);
        refused("team-a", large, null, "image_start", "image_too_large");
        String text = upload("team-a", "image/png", "not an image at all".getBytes());
        refused("team-a", text, null, "image_start", "unsupported_image_format");
        String small = upload("team-a", "image/jpeg", TestImages.jpeg(200, 200));
        refused("team-a", small, null, "image_start", "image_too_small");
    }

    @Test
    void aForgedIdOrAnotherFormIsRefused() {
        refused("team-a", "upload://upl-9999999999-00000000000000000001", null, "image_start", "image_unreachable");
        refused("team-a", "upload://team-b/upl-9999999999-00000000000000000001", null, "image_start", "invalid_image_url");
    }

    @Test
    void theUploadTriggersSourceDoesNotResolveReferences() {
        FetchingImageSource plain = new FetchingImageSource(new HttpTransport(UrlConnectionHttpClient.create()), archive.buckets(), false);
        assertThatThrownBy(() -> plain.fetch("image_end", "upload://upl-9999999999-00000000000000000001", 1024, "team-a"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_image_url"));
    }

}
