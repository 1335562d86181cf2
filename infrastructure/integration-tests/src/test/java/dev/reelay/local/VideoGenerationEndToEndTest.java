package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.Sandbox;
import dev.reelay.local.sandbox.SandboxFaults;
import org.jcodec.common.DemuxerTrack;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.containers.mp4.demuxer.MP4Demuxer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The walking skeleton, end to end on the real local stack: HTTP API → submit Lambda → DynamoDB
 * Local → the real ASL under the Step Functions engine → the sandbox provider (real MP4) → archive
 * in s3proxy → settlement in DynamoDB → GET with a presigned link.
 */
@EndToEnd
class VideoGenerationEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TASK_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path images;
    private static LocalRuntime runtime;

    @BeforeAll
    static void startTheLocalStack() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
    }

    @AfterEach
    void forgetRefusals() {
        QueueLedger.forgetRefusals(runtime);
    }

    @AfterAll
    static void stopTheLocalStack() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void anImageBecomesAnArchivedBilledMp4() throws Exception {
        Path image = image("beach.jpg", 1280, 720, "jpg");
        Map<String, AttributeValue> usageBefore = usage();

        HttpResponse<String> submitted = post(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", image.toUri().toString(), "duration", 5));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        JsonNode accepted = JSON.readTree(submitted.body());
        String taskId = accepted.path("id").asText();
        assertThat(taskId).startsWith("task-");
        assertThat(accepted.path("status").asText()).isEqualTo("pending");
        assertThat(accepted.path("object").asText()).isEqualTo("video.generation.task");
        assertThat(accepted.path("type").asText()).isEqualTo("video");
        assertThat(accepted.path("usage").path("billing_rule").asText()).isEqualTo("per_second");

        JsonNode task = awaitEnd(taskId);
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("progress").asInt()).isEqualTo(100);
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.375");
        assertThat(task.path("usage").path("billed_seconds").asInt()).isEqualTo(5);
        assertThat(task.path("usage").path("credits").decimalValue()).isEqualByComparingTo("27");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo("unified");

        byte[] video = download(task.path("result").path("url").asText());
        assertThat(video.length).isEqualTo(task.path("result").path("bytes").asLong());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(video)))
                .isEqualTo(task.path("result").path("sha256").asText());
        assertIsH264Mp4Of(video, 5.0);
        assertThat(task.path("result").path("duration_seconds").asDouble()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.5));

        List<String> events = new ArrayList<>();
        Instant previous = Instant.EPOCH;
        for (JsonNode event : task.path("timeline")) {
            events.add(event.path("event").asText());
            String at = event.path("at").asText();
            assertThat(at).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
            assertThat(Instant.parse(at)).isAfterOrEqualTo(previous);
            previous = Instant.parse(at);
        }
        // The unified sandbox calls back; whether its callback or the first check comes first is a race here.
        assertThat(events).filteredOn(event -> !event.equals("provider_callback"))
                .containsExactly("accepted", "provider_submitted", "provider_completed", "archived", "billed");

        var dynamo = runtime.dynamo().client();
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.taskKey(taskId))).item();
        assertThat(item.get("status").s()).isEqualTo("completed");
        assertThat(item.get("resultKey").s()).isEqualTo("videos/" + taskId + ".mp4");
        Map<String, AttributeValue> billing = dynamo.getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.billingKey(taskId))).item();
        assertThat(billing.get("costMicros").n()).isEqualTo("375000");
        assertThat(billing.get("billedSeconds").n()).isEqualTo("5");
        Map<String, AttributeValue> usageAfter = usage();
        assertThat(counter(usageAfter, "costMicros") - counter(usageBefore, "costMicros")).isEqualTo(375_000);
        assertThat(counter(usageAfter, "tasks") - counter(usageBefore, "tasks")).isEqualTo(1);

        byte[] archived = runtime.s3().client().getObjectAsBytes(g -> g.bucket(LocalRuntime.ARCHIVE_BUCKET)
                .key("videos/" + taskId + ".mp4")).asByteArray();
        assertThat(archived).isEqualTo(video);
    }

    @Test
    void tenSecondsAt1080pWithSoundCostOneAndAHalfDollars() throws Exception {
        Path first = image("first.png", 720, 1280, "png");
        Path last = image("last.png", 720, 1280, "png");
        HttpResponse<String> submitted = post(Map.of("model", "kling-v3-image-to-video", "prompt", "a slow turn",
                "image_start", first.toUri().toString(), "image_end", last.toUri().toString(),
                "duration", 10, "quality", "1080p", "sound", "on"));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        assertThat(JSON.readTree(submitted.body()).path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("1.5");

        JsonNode task = awaitEnd(JSON.readTree(submitted.body()).path("id").asText());
        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("1.5");
        assertIsH264Mp4Of(download(task.path("result").path("url").asText()), 10.0);
    }

    @Test
    void aTooSmallImageIsRefusedBeforeAnyProviderIsCalled() throws Exception {
        Path tiny = image("tiny.jpg", 200, 200, "jpg");
        int providerCallsBefore = providerCalls();
        int tasksBefore = runtime.dynamo().client().scan(s -> s.tableName(LocalRuntime.TASKS_TABLE)).count();

        HttpResponse<String> refused = post(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", tiny.toUri().toString()));

        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("image_too_small");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("image_start");
        assertThat(error.path("message").asText()).contains("image_start").contains("200x200");
        assertThat(providerCalls()).isEqualTo(providerCallsBefore);
        assertThat(runtime.dynamo().client().scan(s -> s.tableName(LocalRuntime.TASKS_TABLE)).count()).isEqualTo(tasksBefore);
    }

    @ParameterizedTest(name = "{0} generates a video, charged at its own price")
    @CsvSource({"unified,0.225", "kling,0.252", "apimart,0.24", "gateway,0.27"})
    void everyVendorGeneratesAnArchivedVideoAtItsOwnPrice(String provider, String cost) throws Exception {
        int callsBefore = runtime.sandbox(provider).createRequests();

        JsonNode task = submitAndAwait(Map.of("duration", 3, "provider", provider));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo(provider);
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo(cost);
        assertThat(runtime.sandbox(provider).createRequests() - callsBefore).isEqualTo(1);
        assertIsH264Mp4Of(download(task.path("result").path("url").asText()), 3.0);
        // Kling and the unified aggregator call back (their callback or the first check may win here); APIMart and the gateway are polled.
        if (!provider.equals("unified") && !provider.equals("kling")) {
            assertThat(events(task)).doesNotContain("provider_callback");
        }
        assertThat(events(task)).filteredOn(event -> !event.equals("provider_callback"))
                .containsExactly("accepted", "provider_submitted", "provider_completed", "archived", "billed");
    }

    @ParameterizedTest(name = "{0} generates a video from text alone")
    @CsvSource({"unified", "kling", "apimart", "gateway"})
    void everyVendorGeneratesAVideoFromTextAlone(String provider) throws Exception {
        HttpResponse<String> submitted = post(Map.of("model", "kling-v3-text-to-video", "prompt", "a lighthouse at dusk",
                "duration", 3, "aspect_ratio", "9:16", "provider", provider));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);

        JsonNode task = awaitEnd(JSON.readTree(submitted.body()).path("id").asText());

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("model").asText()).isEqualTo("kling-v3-text-to-video");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo(provider);
        assertIsH264Mp4Of(download(task.path("result").path("url").asText()), 3.0);
    }

    @ParameterizedTest(name = "{0} takes a customized multi-shot storyboard")
    @CsvSource({"unified", "kling", "apimart", "gateway"})
    void everyVendorTakesAStoryboard(String provider) throws Exception {
        Map<String, Object> storyboard = Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt", List.of(
                Map.of("index", 1, "prompt", "waves roll in", "duration", 2),
                Map.of("index", 2, "prompt", "the sun sets", "duration", 2)));

        JsonNode task = submitAndAwait(Map.of("duration", 4, "provider", provider, "model_params", storyboard));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo(provider);
    }

    @Test
    void aParameterNoEnabledVendorSupportsIsRefusedBeforeAnyProviderCall() throws Exception {
        int before = providerCalls();
        HttpResponse<String> refused = post(Map.of("model", "kling-v3-image-to-video", "prompt", "waves", "provider", "apimart",
                "image_start", image("camera.jpg", 1280, 720, "jpg").toUri().toString(),
                "model_params", Map.of("camera_control", Map.of("type", "forward_up"))));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("no_provider_available");
        assertThat(providerCalls()).isEqualTo(before);
    }

    @Test
    void twentyConcurrentDuplicatesMakeOneTaskOneProviderCallAndOneCharge() throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "once",
                "image_start", image("once.jpg", 1280, 720, "jpg").toUri().toString(), "duration", 3, "provider", "unified"));
        int callsBefore = providerCalls();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(20);
        List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(pool.submit(() -> HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                    .header("Content-Type", "application/json").header("Idempotency-Key", "order-20-threads")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())));
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (var answer : answers) {
            HttpResponse<String> response = answer.get();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            ids.add(JSON.readTree(response.body()).path("id").asText());
        }
        pool.shutdown();

        assertThat(ids).hasSize(1);
        String taskId = ids.iterator().next();
        assertThat(awaitEnd(taskId).path("status").asText()).isEqualTo("completed");
        assertThat(providerCalls() - callsBefore).isEqualTo(1);
        assertThat(runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.billingKey(taskId))).item().get("costMicros").n()).isEqualTo("225000");

        HttpResponse<String> otherBody = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json").header("Idempotency-Key", "order-20-threads")
                .POST(HttpRequest.BodyPublishers.ofString(body.replace("\"once\"", "\"twice\""))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(otherBody.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(otherBody.body()).path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void theSameExternalTaskIdReturnsTheOriginalTask() throws Exception {
        Map<String, Object> body = Map.of("model", "kling-v3-image-to-video", "prompt", "external",
                "image_start", image("external.jpg", 1280, 720, "jpg").toUri().toString(), "duration", 3, "external_task_id", "clip-7");
        String first = JSON.readTree(post(body).body()).path("id").asText();
        HttpResponse<String> again = post(body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("id").asText()).isEqualTo(first);
        awaitEnd(first);
    }

    @Test
    void whenTheCheapestVendorIsDownTheTaskCompletesAtTheNextWithBothAttemptsInItsTimeline() throws Exception {
        int unifiedBefore = runtime.sandbox("unified").createRequests();
        runtime.sandbox("unified").faults().refuseSubmissions(1, new SandboxFaults.Refusal(503, "service_unavailable",
                "api_error", "Upstream is overloaded"));

        JsonNode task = submitAndAwait(Map.of("duration", 3));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("provider").asText()).isEqualTo("apimart");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.24");
        assertThat(runtime.sandbox("unified").createRequests() - unifiedBefore).isEqualTo(1);
        assertThat(events(task)).filteredOn(event -> !event.equals("provider_callback")).containsExactly("accepted",
                "provider_refused", "provider_submitted", "provider_completed", "archived", "billed");
        assertThat(task.path("timeline").get(1).path("detail").asText()).startsWith("unified: provider_unavailable");
        assertThat(task.path("timeline").get(2).path("detail").asText()).isEqualTo("apimart");
    }

    @Test
    void whenEveryVendorIsLimitedTheTaskWaitsInTheQueueAndStillCompletesChargedOnce() throws Exception {
        for (String provider : List.of("unified", "apimart", "kling", "gateway")) {
            Sandbox sandbox = runtime.sandbox(provider);
            sandbox.faults().refuseSubmissions(1, sandbox.dialect().typicalRefusal(429));
        }

        JsonNode task = submitAndAwait(Map.of("duration", 3));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        // Each refusal is a timeline event, never a failure: the task waits until a vendor has room again.
        assertThat(events(task)).filteredOn(event -> !event.equals("provider_callback")).containsExactly("accepted",
                "provider_refused", "provider_refused", "provider_refused", "provider_refused", "queued", "provider_submitted",
                "provider_completed", "archived", "billed");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.225");
        assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
    }

    @ParameterizedTest(name = "a late content-policy failure at {0} ends the task failed, uncharged")
    @CsvSource({"unified", "kling"})
    void aContentPolicyFailureAfterAcceptanceEndsTheTaskFailedWithTheVendorsMessage(String provider) throws Exception {
        runtime.sandbox(provider).faults().failAfterAcceptance(1, new SandboxFaults.LateFailure("content_policy_violation",
                "The generated content violates the content policy"));

        JsonNode task = submitAndAwait(Map.of("duration", 3, "provider", provider));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("failed");
        assertThat(task.path("error").path("code").asText()).isEqualTo("provider_failed");
        assertThat(task.path("error").path("message").asText()).contains("The generated content violates the content policy");
        assertUncharged(task);
        assertThat(events(task)).filteredOn(event -> !event.equals("provider_callback"))
                .containsExactly("accepted", "provider_submitted", "failed");
    }

    @Test
    void aRefusalByTheProviderEndsTheTaskFailedAndUncharged() throws Exception {
        runtime.sandbox("unified").faults().refuseSubmissions(1, new SandboxFaults.Refusal(400, "invalid_parameter",
                "invalid_request_error", "image_start could not be downloaded"));

        JsonNode task = submitAndAwait(Map.of("duration", 3));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("failed");
        assertThat(task.path("error").path("code").asText()).isEqualTo("provider_invalid_request");
        assertThat(task.path("error").path("message").asText()).contains("image_start could not be downloaded");
        assertUncharged(task);
        assertThat(events(task)).containsExactly("accepted", "failed");
    }

    @Test
    void anImageInTheLocalS3CanStartATask() throws Exception {
        byte[] jpeg = Files.readAllBytes(image("from-s3.jpg", 960, 540, "jpg"));
        // Outside uploads/, where a put would also start a generation of its own (the S3 trigger).
        runtime.s3().client().putObject(put -> put.bucket(LocalRuntime.UPLOADS_BUCKET).key("manual/from-s3.jpg"),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(jpeg));

        HttpResponse<String> submitted = post(Map.of("model", "kling-v3-image-to-video", "prompt", "s3",
                "image_start", "s3://" + LocalRuntime.UPLOADS_BUCKET + "/manual/from-s3.jpg", "duration", 3));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        assertThat(awaitEnd(JSON.readTree(submitted.body()).path("id").asText()).path("status").asText()).isEqualTo("completed");

        HttpResponse<String> missing = post(Map.of("model", "kling-v3-image-to-video",
                "image_start", "s3://" + LocalRuntime.UPLOADS_BUCKET + "/manual/nothing.jpg"));
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).path("error").path("code").asText()).isEqualTo("image_unreachable");
    }

    @Test
    void anUnknownTaskIsA404AndABadBodyA400() throws Exception {
        HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/task-0-nothing")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).path("error").path("code").asText()).isEqualTo("task_not_found");

        HttpResponse<String> garbled = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(garbled.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(garbled.body()).path("error").path("code").asText()).isEqualTo("invalid_json");
    }

    private static JsonNode submitAndAwait(Map<String, Object> extra) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", image("scene.jpg", 1280, 720, "jpg").toUri().toString()));
        body.putAll(extra);
        HttpResponse<String> submitted = post(body);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        return awaitEnd(JSON.readTree(submitted.body()).path("id").asText());
    }

    private static int providerCalls() {
        return List.of("unified", "kling", "apimart", "gateway").stream().mapToInt(p -> runtime.sandbox(p).createRequests()).sum();
    }

    private static void assertUncharged(JsonNode task) {
        String taskId = task.path("id").asText();
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
        assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
        assertThat(runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.billingKey(taskId))).item()).isNullOrEmpty();
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }

    private static JsonNode awaitEnd(String taskId) throws Exception {
        long deadline = System.nanoTime() + TASK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId)).header("Authorization", "Bearer " + runtime.defaultApiKey())
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(answer.body());
            String status = task.path("status").asText();
            if (status.equals("completed") || status.equals("failed")) {
                return task;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Task " + taskId + " did not end within " + TASK_TIMEOUT);
    }

    /** An independent check with JCodec's own demuxer: one H.264 video track of the requested length. */
    private static void assertIsH264Mp4Of(byte[] video, double seconds) throws IOException {
        assertThat(new String(video, 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("ftyp");
        try (SeekableByteChannel channel = new org.jcodec.common.io.ByteBufferSeekableByteChannel(ByteBuffer.wrap(video), video.length);
             MP4Demuxer demuxer = MP4Demuxer.createMP4Demuxer(channel)) {
            assertThat(demuxer.getVideoTracks()).hasSize(1);
            DemuxerTrack track = demuxer.getVideoTracks().get(0);
            DemuxerTrackMeta meta = track.getMeta();
            assertThat(meta.getCodec()).isEqualTo(org.jcodec.common.Codec.H264);
            assertThat(meta.getTotalDuration()).isCloseTo(seconds, org.assertj.core.data.Offset.offset(0.5));
            assertThat(meta.getTotalFrames()).isPositive();
        }
    }

    private static Map<String, AttributeValue> usage() {
        Map<String, AttributeValue> item = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.usageKey("default", Instant.now()))).item();
        return item == null ? Map.of() : item;
    }

    private static long counter(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Long.parseLong(item.get(name).n()) : 0;
    }

    private static HttpResponse<String> post(Map<String, Object> body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    /** A gradient image, so the encoder has something real to compress. */
    static Path image(String name, int width, int height, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(20, 60, 160), width, height, new Color(240, 200, 90)));
        g.fillRect(0, 0, width, height);
        g.dispose();
        Path file = images.resolve(name);
        ImageIO.write(image, format, file.toFile());
        return file;
    }
}
