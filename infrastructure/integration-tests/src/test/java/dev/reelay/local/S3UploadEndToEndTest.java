package dev.reelay.local;

import dev.reelay.testing.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.engines.S3Notifications;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The S3 upload trigger end to end on the local stack: an object put into the local S3 (s3proxy)
 * raises the S3 event the local S3 sends, the upload function runs behind the local Lambda
 * endpoint as an asynchronous invocation, and the task runs through the real workflow to the
 * sandbox provider, the archive and billing; or, for a bad upload, ends failed and uncharged with
 * the reason next to the image.
 */
@EndToEnd
class S3UploadEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TASK_TIMEOUT = Duration.ofSeconds(90);
    private static final String BUCKET = LocalRuntime.UPLOADS_BUCKET;
    private static final BlockingQueue<byte[]> redeliverable = new LinkedBlockingQueue<>();

    @TempDir
    static Path files;
    private static LocalRuntime runtime;

    @BeforeAll
    static void startTheLocalStack() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
        try {
            runtime.apiKeys().create("default", null);
        } catch (ConflictException createdAtStart) {
            // the API keys work creates the default key when the stack starts
        }
        // A second subscriber to the same notifications keeps the events of redelivery/, to send them again.
        runtime.s3().subscribe(new S3Notifications.Subscription("test-redelivery", BUCKET, "uploads/default/redelivery/",
                List.of(".jpg"), redeliverable::add));
    }

    @AfterAll
    static void stopTheLocalStack() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void anEventTheUploadFunctionFailsOnEveryAttemptLandsInTheUploadDeadLetterQueue() throws Exception {
        // An ObjectCreated record without its s3 entity: the function throws on each of the three attempts.
        String event = "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"dead-letter-test\":\"upload-1\"}]}";
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(runtime.lambdaEndpoint()
                        .resolve("/2015-03-31/functions/" + LocalRuntime.UPLOAD_FUNCTION + "/invocations"))
                .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(event)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).isEqualTo(202);

        JsonNode message = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos(); message == null && System.nanoTime() < end; ) {
            message = runtime.queues().messages(dev.reelay.local.engines.LocalQueues.UPLOAD_DEAD_LETTERS).stream()
                    .filter(m -> m.path("body").path("Records").path(0).path("dead-letter-test").asText().equals("upload-1"))
                    .findFirst().orElse(null);
            Thread.sleep(100);
        }
        assertThat(message).as("the event in UploadDeadLetterQueue").isNotNull();
        assertThat(message.path("body")).isEqualTo(JSON.readTree(event));
        assertThat(message.path("attributes").path("RequestID").asText()).isNotBlank();
        assertThat(message.path("attributes").path("ErrorCode").asText()).isEqualTo("200");
        assertThat(message.path("attributes").path("ErrorMessage").asText()).isNotBlank();
        assertThat(runtime.queues().file(dev.reelay.local.engines.LocalQueues.UPLOAD_DEAD_LETTERS)).isRegularFile();
    }

    @Test
    void anImageWithASidecarBecomesACompletedTaskOfTheKeyWithTheSidecarsParameters() throws Exception {
        String key = "uploads/default/sidecar/beach at dusk.jpg";
        put(key + ".json", "{\"prompt\": \"a slow pan over the beach, déjà vu\", \"duration\": 4, \"quality\": \"1080p\"}"
                .getBytes(StandardCharsets.UTF_8), Map.of());
        put(key, TestImages.jpeg(1280, 720), Map.of("prompt", "the metadata loses to the sidecar", "duration", "9"));

        String taskId = awaitTaskOf(key);
        JsonNode task = awaitEnd(taskId);

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("duration").asInt()).isEqualTo(4);
        assertThat(task.path("task_info").path("quality").asText()).isEqualTo("1080p");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.3999"); // 4 s at 1080p
        assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
        assertThat(task.path("result").path("bytes").asLong()).isPositive();
        Map<String, AttributeValue> item = taskItem(taskId);
        assertThat(item.get("ownerKeyId").s()).isEqualTo("default");
        assertThat(item.get("prompt").s()).isEqualTo("a slow pan over the beach, déjà vu");
        assertThat(item.get("imageStart").s()).isEqualTo("s3://" + BUCKET + "/" + key);
        assertThat(exists(key + ".error.json")).isFalse();
    }

    @Test
    void anImageWithMetadataAloneBecomesACompletedTask() throws Exception {
        String key = "uploads/default/metadata/waves.png";
        put(key, TestImages.png(720, 1280), Map.of("prompt", "waves", "duration", "3", "sound", "on"));

        JsonNode task = awaitEnd(awaitTaskOf(key));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("sound").asText()).isEqualTo("on");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.3375"); // 3 s with sound
        assertThat(taskItem(task.path("id").asText()).get("prompt").s()).isEqualTo("waves");
    }

    @Test
    void aBadImageBecomesAFailedUnchargedTaskWithTheReasonNextToTheImage() throws Exception {
        int providerCallsBefore = providerCalls();
        String small = "uploads/default/bad/small.jpg";
        String notAnImage = "uploads/default/bad/notes.png";
        put(small, TestImages.jpeg(200, 200), Map.of("prompt", "too small"));
        put(notAnImage, "these are notes, not a PNG".getBytes(StandardCharsets.UTF_8), Map.of());

        for (String[] c : new String[][]{{small, "image_too_small"}, {notAnImage, "unsupported_image_format"}}) {
            JsonNode report = awaitErrorReport(c[0]);
            assertThat(report.path("error").path("code").asText()).isEqualTo(c[1]);
            assertThat(report.path("error").path("param").asText()).isEqualTo("image_start");
            assertThat(report.path("image").asText()).isEqualTo("s3://" + BUCKET + "/" + c[0]);
            JsonNode task = get(report.path("task_id").asText());
            assertThat(task.path("status").asText()).isEqualTo("failed");
            assertThat(task.path("error").path("code").asText()).isEqualTo(c[1]);
            assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
            assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
            assertThat(events(task)).containsExactly("failed");
            assertThat(runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                    .key(dev.reelay.adapter.dynamodb.TasksTableSchema.billingKey(task.path("id").asText()))).item()).isNullOrEmpty();
        }
        assertThat(taskItem(awaitErrorReport(small).path("task_id").asText()).get("prompt").s()).isEqualTo("too small");
        assertThat(providerCalls()).isEqualTo(providerCallsBefore);
    }

    @Test
    void anUploadUnderAPrefixNoKeyOwnsGetsOnlyAnErrorReport() throws Exception {
        String key = "uploads/nobody-owns-this/cat.jpg";
        put(key, TestImages.jpeg(1280, 720), Map.of("prompt", "waves"));

        JsonNode report = awaitErrorReport(key);

        assertThat(report.path("error").path("code").asText()).isEqualTo("unknown_key_owner");
        assertThat(report.path("task_id").isNull()).isTrue();
        assertThat(tasksOf(key)).isEmpty();
    }

    @Test
    void aRedeliveredEventMakesNoSecondTaskAndNoSecondProviderCall() throws Exception {
        String good = "uploads/default/redelivery/good.jpg";
        String bad = "uploads/default/redelivery/bad.jpg";
        put(good, TestImages.jpeg(960, 540), Map.of("prompt", "once", "duration", "3"));
        put(bad, TestImages.jpeg(100, 100), Map.of("prompt", "refused once"));
        byte[] goodEvent = redeliverable.poll(10, TimeUnit.SECONDS);
        byte[] badEvent = redeliverable.poll(10, TimeUnit.SECONDS);
        assertThat(goodEvent).isNotNull();
        assertThat(badEvent).isNotNull();
        String taskId = awaitTaskOf(good);
        assertThat(awaitEnd(taskId).path("status").asText()).isEqualTo("completed");
        String refusedTaskId = awaitErrorReport(bad).path("task_id").asText();
        int providerCalls = providerCalls();

        for (byte[] event : List.of(goodEvent, badEvent, goodEvent)) {
            HttpResponse<String> answer = invokeUploadFunction(event);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("X-Amz-Function-Error")).as(answer.body()).isEmpty();
        }

        assertThat(tasksOf(good)).containsExactly(taskId);
        assertThat(tasksOf(bad)).containsExactly(refusedTaskId);
        assertThat(awaitErrorReport(bad).path("task_id").asText()).isEqualTo(refusedTaskId);
        assertThat(providerCalls()).isEqualTo(providerCalls);
        assertThat(get(taskId).path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.225");
    }

    /** The command docs/uploads.md gives, as is: curl signs the PUT itself, and the metadata header sets the prompt. */
    @Test
    void theDocumentedCurlCommandStartsAGeneration() throws Exception {
        Assumptions.assumeTrue(curlSupportsSigv4(), "curl with --aws-sigv4 (7.75 or later) is not installed");
        Path image = files.resolve("cat.jpg");
        Files.write(image, TestImages.jpeg(1280, 720));
        String key = "uploads/default/curl/cat.jpg";
        Process curl = new ProcessBuilder("curl", "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
                "--user", runtime.s3().accessKey() + ":" + runtime.s3().secretKey(), "-T", image.toString(),
                runtime.s3().endpoint() + "/" + BUCKET + "/" + key, "-H", "x-amz-meta-prompt: waves", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD")
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();

        JsonNode task = awaitEnd(awaitTaskOf(key));

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(taskItem(task.path("id").asText()).get("prompt").s()).isEqualTo("waves");
    }

    private static void put(String key, byte[] content, Map<String, String> metadata) {
        runtime.s3().client().putObject(p -> p.bucket(BUCKET).key(key).metadata(metadata), RequestBody.fromBytes(content));
    }

    private static boolean exists(String key) {
        try {
            runtime.s3().client().headObject(h -> h.bucket(BUCKET).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static JsonNode awaitErrorReport(String imageKey) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return JSON.readTree(runtime.s3().client().getObjectAsBytes(g -> g.bucket(BUCKET).key(imageKey + ".error.json"))
                        .asByteArray());
            } catch (NoSuchKeyException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("No " + imageKey + ".error.json within 30 s");
    }

    /** The ids of the tasks made from an uploaded image: those whose image_start is that object. */
    private static List<String> tasksOf(String key) {
        List<String> ids = new ArrayList<>();
        runtime.dynamo().client().scanPaginator(s -> s.tableName(LocalRuntime.TASKS_TABLE).consistentRead(true)
                        .filterExpression("sk = :task AND imageStart = :image")
                        .expressionAttributeValues(Map.of(":task", AttributeValue.fromS("TASK"),
                                ":image", AttributeValue.fromS("s3://" + BUCKET + "/" + key))))
                .items().forEach(item -> ids.add(item.get("taskId").s()));
        return ids;
    }

    private static String awaitTaskOf(String key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = tasksOf(key);
            if (!ids.isEmpty()) {
                assertThat(ids).hasSize(1);
                return ids.get(0);
            }
            if (exists(key + ".error.json")) {
                throw new AssertionError(key + " was refused: " + awaitErrorReport(key));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("No task for " + key + " within 30 s");
    }

    private static Map<String, AttributeValue> taskItem(String taskId) {
        return runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(dev.reelay.adapter.dynamodb.TasksTableSchema.taskKey(taskId)).consistentRead(true)).item();
    }

    private static HttpResponse<String> invokeUploadFunction(byte[] event) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(runtime.lambdaEndpoint()
                                .resolve("/2015-03-31/functions/" + LocalRuntime.UPLOAD_FUNCTION + "/invocations"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(event)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String taskId) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId)).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static JsonNode awaitEnd(String taskId) throws Exception {
        long deadline = System.nanoTime() + TASK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode task = get(taskId);
            String status = task.path("status").asText();
            if (status.equals("completed") || status.equals("failed")) {
                return task;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Task " + taskId + " did not end within " + TASK_TIMEOUT);
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }

    private static int providerCalls() {
        return List.of("unified", "kling", "apimart", "gateway").stream().mapToInt(p -> runtime.sandbox(p).createRequests()).sum();
    }

    static boolean curlSupportsSigv4() {
        try {
            Process help = new ProcessBuilder("curl", "--help", "all").redirectErrorStream(true).start();
            String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return help.waitFor() == 0 && text.contains("--aws-sigv4");
        } catch (IOException | InterruptedException notInstalled) {
            return false;
        }
    }

}
