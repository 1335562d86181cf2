package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.AuthorizeApiKey;
import dev.reelay.application.CancelTask;
import dev.reelay.application.DeliverWebhook;
import dev.reelay.application.GetTask;
import dev.reelay.application.ListTasks;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.StartGenerationFromUpload;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.application.TaskView;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.application.WorkflowState;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import org.crac.Context;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ClientEndpointProvider;
import software.amazon.awssdk.core.client.config.SdkClientConfiguration;
import software.amazon.awssdk.core.client.config.SdkClientOption;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpFullResponse;
import software.amazon.awssdk.protocols.json.AwsJsonProtocol;
import software.amazon.awssdk.protocols.json.AwsJsonProtocolFactory;
import software.amazon.awssdk.protocols.json.JsonOperationMetadata;
import software.amazon.awssdk.protocols.xml.AwsS3ProtocolFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.transform.GetItemRequestMarshaller;
import software.amazon.awssdk.services.dynamodb.transform.UpdateItemRequestMarshaller;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.transform.CreateMultipartUploadRequestMarshaller;
import software.amazon.awssdk.services.s3.transform.PutObjectRequestMarshaller;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;
import software.amazon.awssdk.services.sfn.transform.StartExecutionRequestMarshaller;
import software.amazon.awssdk.utils.StringInputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SnapStart priming: work done once, just before Lambda snapshots a published version's initialised
 * JVM, so that every instance restored from the snapshot starts with these code paths loaded,
 * initialised and partly compiled instead of paying for them on its first request. {@link AwsFunctions}
 * registers it as a CRaC {@link Resource} when a handler is built; the Lambda runtime calls
 * {@link #beforeCheckpoint} while publishing a version (on other JVMs, CRaC's global context never does).
 * It lives with the handlers because it loads them and warms their JSON mappers: the configuration
 * that builds the clients knows nothing of the handlers built from it.
 * <p>
 * A snapshot is restored many times, so priming must put nothing into it that has to differ between
 * instances or that may not outlive the publish. Each step below says why it is safe:
 * <ul>
 *   <li>no request leaves the JVM: the SDK requests are marshalled and dropped, never signed or sent,
 *   and the only response read is a constant given here;</li>
 *   <li>no credentials are resolved: the SDK's signing and identity stages are never reached (the
 *   clients' credentials providers stay unresolved until a real request), and Secrets Manager is
 *   read on first use only ({@code AwsClients.PROVIDER_CREDENTIALS});</li>
 *   <li>no randomness and no ids: no {@code SecureRandom}, {@code UUID} or task id is touched (the SDK's
 *   request pipeline, which adds a random invocation id, is not run); the sample task's id is a constant
 *   that is never stored or sent, and its times are the epoch, not the clock.</li>
 * </ul>
 * The marshallers are the SDK's generated ones (internal API): SnapStartPrimingTest fails if an SDK upgrade
 * changes them, rather than a deployment silently losing its priming.
 */
public final class SnapStartPriming implements Resource {
    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);
    /** A constant, not an id: it names the sample task in the samples below and goes nowhere. */
    static final String SAMPLE_TASK_ID = "task-0-snapstartpriming";
    /** Where the marshalled requests would go: a name that cannot resolve (RFC 2606), and they are never sent anyway. */
    private static final URI NOWHERE = URI.create("https://snapstart-priming.invalid");
    /** A task item as DynamoDB answers a GetItem: a constant. */
    private static final String SAMPLE_GET_ITEM_RESPONSE = "{\"Item\":{\"pk\":{\"S\":\"TASK#" + SAMPLE_TASK_ID + "\"},"
            + "\"sk\":{\"S\":\"TASK\"},\"status\":{\"S\":\"completed\"},\"progress\":{\"N\":\"100\"},"
            + "\"quotedCostUsd\":{\"N\":\"0.42\"},\"recordedEvents\":{\"SS\":[\"accepted\",\"billed\"]},"
            + "\"timeline\":{\"L\":[{\"M\":{\"event\":{\"S\":\"accepted\"},\"at\":{\"S\":\"1970-01-01T00:00:00Z\"}}}]},"
            + "\"webhookSent\":{\"BOOL\":false}}}";
    /** A workflow state as the state machine passes it from step to step: a constant. */
    private static final String SAMPLE_STATE = "{\"taskId\":\"" + SAMPLE_TASK_ID + "\",\"provider\":\"unified\","
            + "\"providerTaskId\":\"job-0\",\"checks\":1,\"waitSeconds\":5,\"deadline\":\"1970-01-01T01:00:00Z\","
            + "\"status\":\"processing\",\"awaitCallbacks\":false,\"error\":{\"Error\":\"x\",\"Cause\":\"y\"},"
            + "\"webhookStatus\":\"gave_up\",\"webhookAttempts\":4,\"webhookDeadLetter\":{\"taskId\":\"" + SAMPLE_TASK_ID
            + "\",\"attempts\":4,\"last_error\":{\"Error\":\"WebhookGaveUp\",\"Cause\":\"attempt 4: 500\"}},\"unknown\":1}";

    /** The classes a request goes through, loaded and initialised (their static state is constants and loggers). */
    private static final List<Class<?>> CLASSES = List.of(
            SubmitVideoHandler.class, GetTaskHandler.class, ListTasksHandler.class, CancelTaskHandler.class,
            AuthorizeApiKeyHandler.class, ProviderCallbackHandler.class, StartGenerationFromUploadHandler.class,
            SubmitToProviderHandler.class, AwaitProviderSlotHandler.class, AwaitProviderCallbackHandler.class, CheckStatusHandler.class,
            ArchiveVideoHandler.class, SettleBillingHandler.class, RecordFailureHandler.class, DeliverWebhookHandler.class,
            SubmitVideoGeneration.class, GetTask.class, ListTasks.class, CancelTask.class, AuthorizeApiKey.class,
            ProviderCallbackReception.class, StartGenerationFromUpload.class, VideoGenerationSteps.class,
            DeliverWebhook.class, TaskRepresentation.class, WorkflowState.class);

    /** Registers a priming with {@code context} (the CRaC global context in Lambda), which holds it weakly: keep the result. */
    static SnapStartPriming registerWith(Context<Resource> context) {
        SnapStartPriming priming = new SnapStartPriming();
        context.register(priming);
        return priming;
    }

    /** Primes; a failure only costs the first requests their speed, so it is logged and the snapshot goes ahead. */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            List<String> steps = prime();
            LOG.info("SnapStart priming done: {}", steps);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("SnapStart priming failed; the snapshot is taken without it", e);
        }
    }

    /** Nothing to refresh: priming kept nothing, and credentials are first resolved after the restore. */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
    }

    /** Runs every step, in order, and names them; the first failure is thrown. */
    List<String> prime() {
        List<String> steps = new ArrayList<>();
        loadClasses();
        steps.add("classes");
        json();
        steps.add("json");
        dynamoDb();
        steps.add("dynamodb");
        s3();
        steps.add("s3");
        stepFunctions();
        steps.add("sfn");
        return steps;
    }

    /** Safe: initialising these classes builds loggers, JSON mappers and constants, nothing else. */
    private static void loadClasses() {
        ClassLoader loader = SnapStartPriming.class.getClassLoader();
        for (Class<?> type : CLASSES) {
            try {
                Class.forName(type.getName(), true, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Cannot load " + type.getName(), e);
            }
        }
    }

    /**
     * Safe: the handlers' own mappers read and write constants, one sample through each so that their
     * serializers and deserializers are built; the sample task is built in memory with a constant id,
     * the epoch for its times and the default price table (docs/vendors.md), and is never stored.
     */
    private static void json() {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "priming", null,
                "https://snapstart-priming.invalid/start.jpg", null, 5, Quality.P1080, Sound.ON, "16:9", null,
                "https://snapstart-priming.invalid/hook", Map.of("cfg_scale", 0.5), null);
        Task task = Task.accepted(SAMPLE_TASK_ID, "priming", Instant.EPOCH, request, "inputs/" + SAMPLE_TASK_ID + "/image_start.jpeg",
                null, PriceTable.seed004().quote(Quality.P1080, Sound.ON, 5));
        try {
            WorkflowState state = WorkflowStepHandler.JSON.readValue(SAMPLE_STATE.getBytes(StandardCharsets.UTF_8), WorkflowState.class);
            byte[] written = WorkflowStepHandler.JSON.writeValueAsBytes(state);
            APIGatewayV2HTTPResponse answer = HttpExchange.json(200, TaskRepresentation.of(new TaskView(task, null, null)));
            Object parsedBack = HttpExchange.JSON.readValue(answer.getBody(), Object.class);
            if (written.length == 0 || answer.getBody().isEmpty() || parsedBack == null) {
                throw new IllegalStateException("JSON priming produced nothing");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Priming the handlers' JSON", e);
        }
    }

    /** Safe: marshals a GetItem and an UpdateItem without sending them, and reads a constant GetItem answer. */
    private static void dynamoDb() {
        AwsJsonProtocolFactory protocol = AwsJsonProtocolFactory.builder().clientConfiguration(nowhere())
                .defaultServiceExceptionSupplier(DynamoDbException::builder)
                .protocol(AwsJsonProtocol.AWS_JSON).protocolVersion("1.0").build();
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("TASK#" + SAMPLE_TASK_ID), "sk", AttributeValue.fromS("TASK"));
        SdkHttpFullRequest get = new GetItemRequestMarshaller(protocol).marshall(GetItemRequest.builder()
                .tableName("priming").key(key).consistentRead(true).build());
        SdkHttpFullRequest update = new UpdateItemRequestMarshaller(protocol).marshall(UpdateItemRequest.builder()
                .tableName("priming").key(key)
                .updateExpression("SET progress = :progress ADD recordedEvents :event")
                .conditionExpression("#status IN (:pending, :processing)")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(Map.of(":progress", AttributeValue.fromN("50"), ":event", AttributeValue.fromSs(List.of("x")),
                        ":pending", AttributeValue.fromS("pending"), ":processing", AttributeValue.fromS("processing")))
                .returnValues(ReturnValue.ALL_NEW).build());
        try {
            Object answer = protocol.createResponseHandler(JsonOperationMetadata.builder().hasStreamingSuccessResponse(false)
                            .isPayloadJson(true).build(), GetItemResponse::builder)
                    .handle(SdkHttpFullResponse.builder().statusCode(200)
                            .content(AbortableInputStream.create(new StringInputStream(SAMPLE_GET_ITEM_RESPONSE))).build(),
                            new ExecutionAttributes());
            if (!(answer instanceof GetItemResponse response) || !response.hasItem() || get.contentStreamProvider().isEmpty()
                    || update.contentStreamProvider().isEmpty()) {
                throw new IllegalStateException("DynamoDB priming produced nothing");
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException("Priming DynamoDB", e);
        }
    }

    /** Safe: marshals the PutObject of a staged input and the multipart start of an archive, without sending them. */
    private static void s3() {
        AwsS3ProtocolFactory protocol = AwsS3ProtocolFactory.builder().clientConfiguration(nowhere()).build();
        SdkHttpFullRequest put = new PutObjectRequestMarshaller(protocol).marshall(PutObjectRequest.builder()
                .bucket("priming").key("inputs/" + SAMPLE_TASK_ID + "/image_start.jpeg").contentType("image/jpeg").build());
        SdkHttpFullRequest multipart = new CreateMultipartUploadRequestMarshaller(protocol).marshall(CreateMultipartUploadRequest.builder()
                .bucket("priming").key("videos/" + SAMPLE_TASK_ID + ".mp4").contentType("video/mp4")
                .checksumAlgorithm(ChecksumAlgorithm.CRC32).build());
        if (put.headers().isEmpty() || multipart.rawQueryParameters().isEmpty()) {
            throw new IllegalStateException("S3 priming produced nothing");
        }
    }

    /** Safe: marshals a StartExecution without sending it. */
    private static void stepFunctions() {
        AwsJsonProtocolFactory protocol = AwsJsonProtocolFactory.builder().clientConfiguration(nowhere())
                .defaultServiceExceptionSupplier(SfnException::builder)
                .protocol(AwsJsonProtocol.AWS_JSON).protocolVersion("1.0").build();
        SdkHttpFullRequest start = new StartExecutionRequestMarshaller(protocol).marshall(StartExecutionRequest.builder()
                .stateMachineArn("arn:aws:states:us-east-1:000000000000:stateMachine:priming").name(SAMPLE_TASK_ID)
                .input("{\"taskId\":\"" + SAMPLE_TASK_ID + "\"}").build());
        if (start.contentStreamProvider().isEmpty()) {
            throw new IllegalStateException("Step Functions priming produced nothing");
        }
    }

    /** A client configuration with an endpoint and nothing else: no credentials, no HTTP client, no interceptors. */
    private static SdkClientConfiguration nowhere() {
        return SdkClientConfiguration.builder()
                .option(SdkClientOption.CLIENT_ENDPOINT_PROVIDER, ClientEndpointProvider.forEndpointOverride(NOWHERE))
                .build();
    }
}
