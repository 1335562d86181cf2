package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.image.FetchingImageSource;
import dev.reelay.application.StartGenerationFromUpload.ObjectCreated;
import dev.reelay.application.StartGenerationFromUpload.Outcome;
import dev.reelay.application.StartGenerationFromUpload.Result;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.port.VideoArchive;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.TestImages;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.InMemoryUploadedObjects;
import dev.reelay.testing.Providers;
import dev.reelay.testing.RecordingWorkflow;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The upload trigger with in-memory ports, but the real parser and the real image source in AWS
 * mode: the uploaded images are read as S3 objects and checked as real encoded images.
 */
class StartGenerationFromUploadTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private static final String BUCKET = "reelay-uploads";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryArchive archive = new InMemoryArchive();
    private final InMemoryUploadedObjects uploads = new InMemoryUploadedObjects(BUCKET, archive.objects);
    private final InMemoryApiKeys keys = new InMemoryApiKeys();
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
    private final AtomicInteger ids = new AtomicInteger();
    private StartGenerationFromUpload start;

    @BeforeEach
    void wire() {
        String prefix = "s3://" + BUCKET + "/uploads/";
        SubmitVideoGeneration submit = new SubmitVideoGeneration(new GenerationRequestParser(false, WebhookUrlRules.STRICT, prefix),
                new FetchingImageSource(new HttpTransport(UrlConnectionHttpClient.create()), archive.buckets(), false, prefix), archive.inputs(),
                Providers.table(new FakeProvider("unified")), store, workflow, Clock.systemUTC(), this::nextId, idempotency,
                keys, new dev.reelay.testing.InMemoryBudgets(), metrics);
        start = new StartGenerationFromUpload(submit, uploads, keys, store, idempotency, this::nextId, Clock.systemUTC());
        keys.create("default", null);
        keys.create("team-a", null);
    }

    private String nextId() {
        return "task-1-" + ids.incrementAndGet();
    }

    @Test
    void metadataSetsTheParametersAndTheEncodedKeyIsDecoded() throws IOException {
        uploads.put("uploads/team-a/my cat+dog.jpg", TestImages.jpeg(1280, 720),
                Map.of("prompt", "waves roll in", "duration", "3", "quality", "1080p", "Sound", "on", "aspect_ratio", "16:9"));

        Outcome outcome = start.handle(event("uploads/team-a/my+cat%2Bdog.jpg", "seq-1"));

        assertThat(outcome.result()).isEqualTo(Result.STARTED);
        Task task = store.find(outcome.taskId()).orElseThrow();
        assertThat(task.ownerKeyId()).isEqualTo("team-a");
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.request().prompt()).isEqualTo("waves roll in");
        assertThat(task.request().durationSeconds()).isEqualTo(3);
        assertThat(task.request().quality()).isEqualTo(Quality.P1080);
        assertThat(task.request().sound()).isEqualTo(Sound.ON);
        assertThat(task.request().aspectRatio()).isEqualTo("16:9");
        assertThat(task.request().imageStart()).isEqualTo("s3://reelay-uploads/uploads/team-a/my cat+dog.jpg");
        assertThat(task.quote().costUsd()).isEqualByComparingTo("0.45"); // 3 s at 1080p with sound
        assertThat(archive.objects).containsKey("inputs/" + task.id() + "/image_start.jpeg");
        assertThat(workflow.started).containsExactly(task.id());
        assertThat(archive.objects).doesNotContainKey("uploads/team-a/my cat+dog.jpg.error.json");
    }

    @Test
    void theSidecarWinsFieldByFieldAndItsLastImageIsRelativeToTheImage() throws IOException {
        uploads.put("uploads/default/shoot/first.png", TestImages.png(720, 1280), Map.of("prompt", "from metadata", "duration", "4"));
        uploads.put("uploads/default/shoot/last.png", TestImages.png(720, 1280), Map.of());
        uploads.put("uploads/default/shoot/first.png.json",
                "{\"prompt\": \"from the sidecar, déjà vu\", \"quality\": \"1080p\", \"last_image\": \"last.png\"}"
                        .getBytes(StandardCharsets.UTF_8), Map.of());

        Outcome outcome = start.handle(event("uploads/default/shoot/first.png", "seq-2"));

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.STARTED);
        Task task = store.find(outcome.taskId()).orElseThrow();
        assertThat(task.ownerKeyId()).isEqualTo("default");
        assertThat(task.request().prompt()).isEqualTo("from the sidecar, déjà vu");
        assertThat(task.request().durationSeconds()).isEqualTo(4);
        assertThat(task.request().quality()).isEqualTo(Quality.P1080);
        assertThat(task.request().imageEnd()).isEqualTo("s3://reelay-uploads/uploads/default/shoot/last.png");
        assertThat(archive.objects).containsKeys("inputs/" + task.id() + "/image_start.png", "inputs/" + task.id() + "/image_end.png");
    }

    @Test
    void anUploadNoActiveKeyOwnsGetsAnErrorReportAndNoTask() throws Exception {
        keys.create("gone", null);
        keys.revoke("gone");
        for (String[] c : new String[][]{{"uploads/nobody/cat.jpg", "unknown_key_owner"}, {"uploads/gone/cat.jpg", "key_revoked"},
                {"uploads/cat.jpg", "invalid_upload_key"}, {"uploads/Team A/cat.jpg", "invalid_upload_key"}}) {
            uploads.put(c[0], TestImages.jpeg(1280, 720), Map.of("prompt", "waves"));

            Outcome outcome = start.handle(event(c[0].replace(' ', '+'), "seq-3"));

            assertThat(outcome.result()).isEqualTo(Result.NO_OWNER);
            JsonNode report = errorReport(c[0]);
            assertThat(report.path("error").path("code").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(report.path("task_id").isNull()).isTrue();
            assertThat(report.path("image").asText()).isEqualTo("s3://reelay-uploads/" + c[0]);
        }
        assertThat(store.find("task-1-1")).isEmpty();
        assertThat(workflow.started).isEmpty();
    }

    @Test
    void badParametersBecomeAFailedUnchargedTaskAndAnErrorReport() throws Exception {
        uploads.put("uploads/team-a/long.jpg", TestImages.jpeg(1280, 720), Map.of("prompt", "waves", "duration", "forever", "quality", "1080p"));

        Outcome outcome = start.handle(event("uploads/team-a/long.jpg", "seq-4"));

        assertThat(outcome.result()).isEqualTo(Result.REJECTED);
        assertThat(outcome.errorCode()).isEqualTo("invalid_duration");
        Task task = store.find(outcome.taskId()).orElseThrow();
        assertThat(task.ownerKeyId()).isEqualTo("team-a");
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.failure().code()).isEqualTo("invalid_duration");
        assertThat(task.charged().costUsd()).isZero();
        assertThat(task.quote().costUsd()).isZero();
        assertThat(task.timeline()).extracting(TimelineEvent::event).containsExactly("failed");
        assertThat(task.timeline().get(0).detail()).isEqualTo("invalid_duration");
        assertThat(task.request().prompt()).isEqualTo("waves");
        assertThat(task.request().quality()).isEqualTo(Quality.P1080);
        assertThat(task.request().durationSeconds()).isEqualTo(5);
        assertThat(task.request().imageStart()).isEqualTo("s3://reelay-uploads/uploads/team-a/long.jpg");
        assertThat(workflow.started).isEmpty();
        assertThat(archive.objects.keySet()).noneMatch(k -> k.startsWith("inputs/"));

        JsonNode report = errorReport("uploads/team-a/long.jpg");
        assertThat(report.path("error").path("code").asText()).isEqualTo("invalid_duration");
        assertThat(report.path("error").path("param").asText()).isEqualTo("duration");
        assertThat(report.path("error").path("message").asText()).contains("integer");
        assertThat(report.path("task_id").asText()).isEqualTo(task.id());
        assertThat(report.path("image").asText()).isEqualTo("s3://reelay-uploads/uploads/team-a/long.jpg");
        assertThat(report.path("at").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    }

    @Test
    void imagesThatBreakTheImageRulesAreRefusedAfterBeingReadFromTheBucket() throws Exception {
        uploads.put("uploads/team-a/small.jpg", TestImages.jpeg(200, 200), Map.of("prompt", "tiny"));
        uploads.put("uploads/team-a/text.png", "not an image at all".getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(start.handle(event("uploads/team-a/small.jpg", "s1")).errorCode()).isEqualTo("image_too_small");
        assertThat(start.handle(event("uploads/team-a/text.png", "s2")).errorCode()).isEqualTo("unsupported_image_format");
        assertThat(errorReport("uploads/team-a/small.jpg").path("error").path("param").asText()).isEqualTo("image_start");
        assertThat(workflow.started).isEmpty();
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.TASKS_REFUSED)).extracting(e -> e.dimensions().get("Code"))
                .containsExactly("image_too_small", "unsupported_image_format");
    }

    @Test
    void aBrokenSidecarOrOneReachingOutsideTheOwnersPrefixIsRefused() throws Exception {
        String[][] cases = {
                {"{\"prompt\": \"unterminated", "invalid_sidecar", "sidecar"},
                {"[\"not\", \"an\", \"object\"]", "invalid_sidecar", "sidecar"},
                {"{\"image_start\": \"s3://reelay-uploads/uploads/team-a/other.jpg\"}", "image_start_not_allowed", "image_start"},
                {"{\"last_image\": \"../../default/secret.jpg\"}", "invalid_image_url", "image_end"},
                {"{\"image_end\": \"s3://reelay-uploads/uploads/default/secret.jpg\"}", "invalid_image_url", "image_end"},
                {"{\"image_end\": \"s3://reelay-uploads/inputs/task-0/image_start.jpeg\"}", "invalid_image_url", "image_end"},
                {"{\"noise_level\": 42}", "unknown_parameter", "noise_level"},
        };
        int n = 0;
        for (String[] c : cases) {
            String key = "uploads/team-a/case-" + (++n) + ".jpg";
            uploads.put(key, TestImages.jpeg(1280, 720), Map.of("prompt", "from metadata"));
            uploads.put(key + ".json", c[0].getBytes(StandardCharsets.UTF_8), Map.of());

            Outcome outcome = start.handle(event(key, "seq"));

            assertThat(outcome.result()).as(c[0]).isEqualTo(Result.REJECTED);
            assertThat(outcome.errorCode()).as(c[0]).isEqualTo(c[1]);
            assertThat(errorReport(key).path("error").path("param").asText()).as(c[0]).isEqualTo(c[2]);
            assertThat(store.find(outcome.taskId()).orElseThrow().request().prompt()).isEqualTo("from metadata");
        }
        assertThat(workflow.started).isEmpty();
        // Each refusal is counted once, by its code, whether the sidecar or the submission refused it.
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.TASKS_REFUSED)).extracting(e -> e.dimensions().get("Code"))
                .containsExactly(java.util.Arrays.stream(cases).map(c -> c[1]).toArray(String[]::new));
    }

    @Test
    void aStorageFailureIsThrownForLambdaToRetryAndNeverBecomesAFailedTask() throws Exception {
        uploads.put("uploads/team-a/cat.jpg", TestImages.jpeg(1280, 720), Map.of("prompt", "waves"));
        uploads.unavailable = true;

        assertThatThrownBy(() -> start.handle(event("uploads/team-a/cat.jpg", "seq-5")))
                .isInstanceOf(TransientFailureException.class);
        uploads.unavailable = false;
        assertThat(store.find("task-1-1")).isEmpty();
        assertThat(archive.objects).doesNotContainKey("uploads/team-a/cat.jpg.error.json");

        // S3 fails while the checked image is staged: thrown again, and the retry still makes the task.
        archive.failStaging(1, name -> new TransientFailureException("storage_unavailable", "staging " + name + " failed"));
        assertThatThrownBy(() -> start.handle(event("uploads/team-a/cat.jpg", "seq-5")))
                .isInstanceOf(TransientFailureException.class);
        Outcome retried = start.handle(event("uploads/team-a/cat.jpg", "seq-5"));
        assertThat(retried.result()).isEqualTo(Result.STARTED);
        assertThat(workflow.started).containsExactly(retried.taskId());
    }

    @Test
    void aRedeliveredEventMakesNoSecondTaskRefusedOrNot() throws Exception {
        uploads.put("uploads/team-a/cat.jpg", TestImages.jpeg(1280, 720), Map.of("prompt", "waves"));
        uploads.put("uploads/team-a/small.jpg", TestImages.jpeg(200, 200), Map.of("prompt", "tiny"));

        Outcome first = start.handle(event("uploads/team-a/cat.jpg", "00A1"));
        Outcome again = start.handle(event("uploads/team-a/cat.jpg", "00A1"));
        Outcome refused = start.handle(event("uploads/team-a/small.jpg", "00B1"));
        archive.objects.remove("uploads/team-a/small.jpg.error.json");
        Outcome refusedAgain = start.handle(event("uploads/team-a/small.jpg", "00B1"));

        assertThat(again.taskId()).isEqualTo(first.taskId());
        assertThat(workflow.started).containsExactly(first.taskId());
        assertThat(refusedAgain.result()).isEqualTo(Result.REJECTED);
        assertThat(refusedAgain.taskId()).isEqualTo(refused.taskId());
        // The report is written again, in case the first delivery stopped before writing it.
        assertThat(errorReport("uploads/team-a/small.jpg").path("task_id").asText()).isEqualTo(refused.taskId());
        assertThat(store.find("task-1-" + (ids.get() + 1))).isEmpty();
        long tasks = java.util.stream.IntStream.rangeClosed(1, ids.get()).filter(i -> store.find("task-1-" + i).isPresent()).count();
        assertThat(tasks).isEqualTo(2);

        // A new put of the same key is a new event (another sequencer): a new task.
        Outcome overwritten = start.handle(event("uploads/team-a/cat.jpg", "00A2"));
        assertThat(overwritten.taskId()).isNotEqualTo(first.taskId());
        assertThat(workflow.started).containsExactly(first.taskId(), overwritten.taskId());
    }

    @Test
    void otherBucketsSidecarsAndErrorReportsStartNothing() throws Exception {
        uploads.put("uploads/team-a/cat.jpg", TestImages.jpeg(1280, 720), Map.of("prompt", "waves"));

        assertThat(start.handle(new ObjectCreated("another-bucket", "uploads/team-a/cat.jpg", "e", "s")).result())
                .isEqualTo(Result.IGNORED);
        assertThat(start.handle(event("uploads/team-a/cat.jpg.json", "s")).result()).isEqualTo(Result.IGNORED);
        assertThat(start.handle(event("uploads/team-a/cat.jpg.error.json", "s")).result()).isEqualTo(Result.IGNORED);
        assertThat(workflow.started).isEmpty();
        assertThat(archive.objects.keySet()).noneMatch(k -> k.endsWith(".error.json"));
    }

    private static ObjectCreated event(String encodedKey, String sequencer) {
        return new ObjectCreated(BUCKET, encodedKey, "0123456789abcdef0123456789abcdef", sequencer);
    }

    private JsonNode errorReport(String imageKey) throws IOException {
        byte[] report = archive.objects.get(imageKey + ".error.json");
        assertThat(report).as("error report of " + imageKey).isNotNull();
        return JSON.readTree(report);
    }

}
