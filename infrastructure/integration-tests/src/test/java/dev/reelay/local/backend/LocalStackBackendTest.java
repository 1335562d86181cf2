package dev.reelay.local.backend;

import dev.reelay.testing.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.adapter.sfn.StepFunctionsWorkflow;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.RepoLayout;
import dev.reelay.local.lambda.LocalArns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Always on LocalStack, whatever the switch says: the runtime on {@link LocalStackEngines}, and a
 * generation through LocalStack's own DynamoDB, S3 (and its S3 events) and Step Functions, whose
 * Lambda functions forward to the handlers in this JVM. Without a Docker engine the whole class is
 * reported as skipped ({@link RequiresDocker}), before anything starts.
 */
@RequiresDocker
class LocalStackBackendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TASK_TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicReference<LocalStackEngines> engines = new AtomicReference<>();
    private static LocalRuntime runtime;

    @BeforeAll
    static void startTheRuntimeOnLocalStack() throws Exception {
        TestBackend.assumeDocker();
        runtime = LocalRuntime.start(LocalRuntime.Settings.forTests(), RepoLayout.locate(), (stateDir, interceptors) -> {
            LocalStackEngines started = LocalStackEngines.start(stateDir);
            engines.set(started);
            return started;
        });
        try {
            runtime.apiKeys().create("default", null);
        } catch (ConflictException createdAtStart) {
            // the runtime made the default key as it started
        }
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void theTableBucketsStateMachineAndForwardersAreLocalStacks() {
        URI localStack = engines.get().endpoint();
        assertThat(runtime.engines()).isEqualTo("localstack");
        assertThat(runtime.dynamo().endpoint()).isEqualTo(localStack);
        assertThat(runtime.s3().endpoint()).isEqualTo(localStack);

        assertThat(runtime.dynamo().client().describeTable(d -> d.tableName(LocalRuntime.TASKS_TABLE)).table()
                .globalSecondaryIndexes()).extracting(index -> index.indexName()).containsExactly(TasksTableSchema.OWNER_INDEX.name());
        assertThat(runtime.s3().client().listBuckets().buckets()).extracting(Bucket::name)
                .contains(LocalRuntime.ARCHIVE_BUCKET, LocalRuntime.UPLOADS_BUCKET);
        String arn = runtime.config().stateMachineArn().orElseThrow();
        assertThat(arn).isEqualTo(LocalArns.stateMachine(LocalRuntime.STATE_MACHINE));
        String definition = runtime.sfnClient().describeStateMachine(d -> d.stateMachineArn(arn)).definition();
        assertThat(definition).doesNotContain("${").contains(LocalArns.function("SubmitToProviderFunction"));
        List<String> forwarders = new ArrayList<>();
        engines.get().lambda().listFunctionsPaginator().functions().forEach(f -> forwarders.add(f.functionName()));
        assertThat(forwarders).containsExactlyInAnyOrder("SubmitToProviderFunction", "CheckStatusFunction", "ArchiveVideoFunction",
                "SettleBillingFunction", "RecordFailureFunction", "AwaitProviderCallbackFunction", "AwaitProviderSlotFunction",
                "DeliverWebhookFunction");
        GetFunctionConfigurationResponse forwarder = engines.get().lambda().getFunctionConfiguration(g -> g.functionName("CheckStatusFunction"));
        assertThat(forwarder.environment().variables().get(LambdaBridge.TARGET_VARIABLE)).isEqualTo("CheckStatusFunction");
    }

    @Test
    void aForwarderInLocalStackReachesTheJavaHandlerAndReportsItsException() throws Exception {
        // CheckStatus of a state with no provider fails in the Java handler; LocalStack's Lambda must
        // report that exception's class name, which is what the state machine's Retry and Catch match.
        InvokeResponse answer = engines.get().lambda().invoke(i -> i.functionName("CheckStatusFunction")
                .payload(SdkBytes.fromUtf8String("{\"taskId\": \"task-0-none\"}")));

        assertThat(answer.functionError()).isNotBlank();
        JsonNode error = JSON.readTree(answer.payload().asUtf8String());
        assertThat(error.path("errorType").asText()).as(error.toString()).matches("[a-z]+(\\.[A-Za-z0-9_$]+)+");
        assertThat(error.path("errorType").asText()).isNotEqualTo("ReelayBridgeUnreachable");
    }

    @Test
    void anImageBecomesAnArchivedBilledVideoThroughLocalStacksStepFunctions() throws Exception {
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", "Bearer " + runtime.defaultApiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video",
                        "prompt", "waves", "image_start", imageUri(), "duration", 5)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        String taskId = JSON.readTree(submitted.body()).path("id").asText();

        JsonNode task = awaitEnd(taskId);

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
        String url = task.path("result").path("url").asText();
        assertThat(url).startsWith(engines.get().endpoint() + "/" + LocalRuntime.ARCHIVE_BUCKET + "/");
        HttpResponse<byte[]> video = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(video.statusCode()).isEqualTo(200);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(video.body())))
                .isEqualTo(task.path("result").path("sha256").asText());
        String execution = StepFunctionsWorkflow.executionArn(runtime.config().stateMachineArn().orElseThrow(), taskId);
        assertThat(runtime.sfnClient().describeExecution(d -> d.executionArn(execution)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    @Test
    void anUploadStartsAGenerationFromLocalStacksOwnS3Event() throws Exception {
        String key = "uploads/default/localstack/beach at dusk.jpg";
        runtime.s3().client().putObject(p -> p.bucket(LocalRuntime.UPLOADS_BUCKET).key(key).metadata(Map.of("prompt", "waves",
                "duration", "3")), RequestBody.fromBytes(TestImages.jpeg(1280, 720)));

        String taskId = awaitTaskOf(key);
        JsonNode task = awaitEnd(taskId);

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(task.path("task_info").path("duration").asInt()).isEqualTo(3);
    }

    private static String awaitTaskOf(String key) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = new ArrayList<>();
            runtime.dynamo().client().scanPaginator(s -> s.tableName(LocalRuntime.TASKS_TABLE).consistentRead(true)
                            .filterExpression("sk = :task AND imageStart = :image")
                            .expressionAttributeValues(Map.of(":task", AttributeValue.fromS("TASK"),
                                    ":image", AttributeValue.fromS("s3://" + LocalRuntime.UPLOADS_BUCKET + "/" + key))))
                    .items().forEach(item -> ids.add(item.get("taskId").s()));
            if (!ids.isEmpty()) {
                assertThat(ids).hasSize(1);
                return ids.get(0);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("No task for " + key + " within 60 s: did LocalStack's S3 event reach the JVM?");
    }

    private static JsonNode awaitEnd(String taskId) throws Exception {
        long deadline = System.nanoTime() + TASK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId))
                    .header("Authorization", "Bearer " + runtime.defaultApiKey()).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(answer.body());
            String status = task.path("status").asText();
            if (status.equals("completed") || status.equals("failed")) {
                return task;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Task " + taskId + " did not end within " + TASK_TIMEOUT);
    }

    private static String imageUri() throws IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("localstack-beach", ".jpg");
        file.toFile().deleteOnExit();
        java.nio.file.Files.write(file, TestImages.jpeg(1280, 720));
        return file.toUri().toString();
    }

}
