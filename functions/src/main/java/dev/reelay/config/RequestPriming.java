package dev.reelay.config;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import java.net.URI;
import java.util.List;
import java.util.Map;
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

/**
 * SnapStart priming of the AWS clients' request paths (called by the handlers' priming,
 * {@code dev.reelay.handler.SnapStartPriming}): a DynamoDB GetItem and UpdateItem, an S3 PutObject and
 * multipart start, and an SFN StartExecution are marshalled with the SDK's own marshallers and dropped,
 * never signed or sent, and a constant GetItem answer is unmarshalled. It lives beside the clients
 * because it knows the table's schema; the handlers know nothing of adapters.
 */
public final class RequestPriming {
    private RequestPriming() {
    }

    /** A constant, not an id: it names the sample task in the samples below and goes nowhere. */
    public static final String SAMPLE_TASK_ID = "task-0-snapstartpriming";
    /** Where the marshalled requests would go: a name that cannot resolve (RFC 2606), and they are never sent anyway. */
    private static final URI NOWHERE = URI.create("https://snapstart-priming.invalid");
    /** The sample task's key in the tasks table. */
    private static final Map<String, AttributeValue> SAMPLE_TASK_KEY = TasksTableSchema.taskKey(SAMPLE_TASK_ID);
    /** A task item as DynamoDB answers a GetItem: a constant. */
    private static final String SAMPLE_GET_ITEM_RESPONSE = "{\"Item\":{"
            + "\"" + TasksTableSchema.PARTITION_KEY + "\":{\"S\":\"" + SAMPLE_TASK_KEY.get(TasksTableSchema.PARTITION_KEY).s() + "\"},"
            + "\"" + TasksTableSchema.SORT_KEY + "\":{\"S\":\"" + SAMPLE_TASK_KEY.get(TasksTableSchema.SORT_KEY).s() + "\"},"
            + "\"" + TasksTableSchema.STATUS + "\":{\"S\":\"completed\"},\"progress\":{\"N\":\"100\"},"
            + "\"quotedCostUsd\":{\"N\":\"0.42\"},\"recordedEvents\":{\"SS\":[\"accepted\",\"billed\"]},"
            + "\"timeline\":{\"L\":[{\"M\":{\"event\":{\"S\":\"accepted\"},\"at\":{\"S\":\"1970-01-01T00:00:00Z\"}}}]},"
            + "\"webhookSent\":{\"BOOL\":false}}}";
    /** Safe: marshals a GetItem and an UpdateItem without sending them, and reads a constant GetItem answer. */
    public static void dynamoDb() {
        AwsJsonProtocolFactory protocol = AwsJsonProtocolFactory.builder().clientConfiguration(nowhere())
                .defaultServiceExceptionSupplier(DynamoDbException::builder)
                .protocol(AwsJsonProtocol.AWS_JSON).protocolVersion("1.0").build();
        SdkHttpFullRequest get = new GetItemRequestMarshaller(protocol).marshall(GetItemRequest.builder()
                .tableName("priming").key(SAMPLE_TASK_KEY).consistentRead(true).build());
        SdkHttpFullRequest update = new UpdateItemRequestMarshaller(protocol).marshall(UpdateItemRequest.builder()
                .tableName("priming").key(SAMPLE_TASK_KEY)
                .updateExpression("SET progress = :progress ADD recordedEvents :event")
                .conditionExpression("#status IN (:pending, :processing)")
                .expressionAttributeNames(Map.of("#status", TasksTableSchema.STATUS))
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
    public static void s3() {
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
    public static void stepFunctions() {
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
