package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One cold start, in a fresh JVM started by {@code dev.reelay.bench.ColdStartBenchmark} with the
 * functions' environment (endpoints of the local engines in {@code AWS_ENDPOINT_URL_*}). Modes:
 * <ul>
 *   <li>{@code probe <taskId>}: the bare SDK-client initialisation, built as {@code AwsClients} builds
 *   its clients (one URL-connection HTTP client; DynamoDB, S3, the presigner, SFN), then one DynamoDB
 *   GetItem of the task: the floor of any handler's first request;</li>
 *   <li>{@code handler <event.json> [taskId]}: the handler Lambda would build (its no-arg constructor,
 *   which initialises {@code AwsClients} and the wiring), then the event, read with the Lambda runtime's
 *   own serializer, answered and its answer written back as JSON;</li>
 *   <li>{@code primed <event.json> [taskId]}: the same with SnapStart's priming run between the two.</li>
 * </ul>
 * Prints one line {@code COLD key=value ...}: epoch milliseconds at main and at the answer, the
 * phases in milliseconds, the answer's status and the classes loaded. With {@code COLD_CLASSES} set
 * (an untimed run) it also counts the classes loaded at each phase's end.
 */
public final class ColdStartChild {
    private ColdStartChild() {
    }

    public static void main(String[] args) throws Exception {
        long mainMillis = System.currentTimeMillis();
        long t0 = System.nanoTime();
        String mode = args[0];
        boolean countClasses = System.getenv("COLD_CLASSES") != null;
        long classesMain = countClasses ? ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() : 0;
        long classesInit = 0;
        long classesPrimed = 0;
        long initNanos;
        long primingNanos = 0;
        long eventNanos = 0;
        long requestNanos;
        int status;
        if (mode.equals("probe")) {
            SdkHttpClient http = UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(30)).build();
            DynamoDbClient dynamoDb = DynamoDbClient.builder().httpClient(http).build();
            S3Client s3 = S3Client.builder().httpClient(http).build();
            S3Presigner presigner = S3Presigner.create();
            SfnClient sfn = SfnClient.builder().httpClient(http).build();
            initNanos = System.nanoTime() - t0;
            classesInit = countClasses ? ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() : 0;
            classesPrimed = classesInit;
            long t1 = System.nanoTime();
            boolean found = dynamoDb.getItem(b -> b.tableName(System.getenv("TASKS_TABLE"))
                    .key(TasksTableSchema.taskKey(args[1])).consistentRead(true)).hasItem();
            requestNanos = System.nanoTime() - t1;
            status = found ? 200 : 404;
            if (s3 == null || presigner == null || sfn == null) {
                throw new IllegalStateException();
            }
        } else {
            String event = Files.readString(Path.of(args[1]));
            if (args.length > 2) {
                event = event.replace("task-1795397400-k3v9q2m7x1pz", args[2]);
            }
            ApiHandler handler = args[1].contains("submit") ? new SubmitVideoHandler() : new GetTaskHandler();
            initNanos = System.nanoTime() - t0;
            classesInit = countClasses ? ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() : 0;
            if (mode.equals("primed")) {
                long tp = System.nanoTime();
                List<String> steps = AwsFunctions.PRIMING.prime();
                primingNanos = System.nanoTime() - tp;
                if (steps.isEmpty()) {
                    throw new IllegalStateException("no priming");
                }
            }
            classesPrimed = countClasses ? ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() : 0;
            long t1 = System.nanoTime();
            PojoSerializer<APIGatewayV2HTTPEvent> in = LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class,
                    ColdStartChild.class.getClassLoader());
            PojoSerializer<APIGatewayV2HTTPResponse> out = LambdaEventSerializers.serializerFor(APIGatewayV2HTTPResponse.class,
                    ColdStartChild.class.getClassLoader());
            APIGatewayV2HTTPEvent read = in.fromJson(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)));
            eventNanos = System.nanoTime() - t1;
            APIGatewayV2HTTPResponse response = handler.handleRequest(read, null);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            out.toJson(response, answer);
            requestNanos = System.nanoTime() - t1;
            status = response.getStatusCode();
            if (status >= 300) {
                System.err.println(answer.toString(StandardCharsets.UTF_8));
            } else if (args[1].contains("submit")) {
                System.out.println("TASK " + HttpExchange.JSON.readTree(response.getBody()).path("id").asText());
            }
        }
        long answeredMillis = System.currentTimeMillis();
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.printf("COLD mode=%s jvm_start_epoch_ms=%d main_epoch_ms=%d answered_epoch_ms=%d init_ms=%.1f priming_ms=%.1f"
                        + " event_ms=%.1f request_ms=%.1f status=%d classes=%d classes_main=%d classes_init=%d classes_primed=%d%n", mode, jvmStart,
                mainMillis, answeredMillis, initNanos / 1e6, primingNanos / 1e6, eventNanos / 1e6, requestNanos / 1e6, status, classes,
                classesMain, classesInit, classesPrimed);
        System.exit(0);
    }
}
