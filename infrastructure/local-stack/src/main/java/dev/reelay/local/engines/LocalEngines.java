package dev.reelay.local.engines;

import dev.reelay.local.sfn.StepFunctionsGlue;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.nio.file.Path;

/**
 * The default engines, all on this machine without Docker: DynamoDB Local and s3proxy in this JVM
 * (in memory, or under {@code stateDir/dynamodb} and {@code stateDir/s3}), and the Step Functions
 * engine under Node ({@link StepFunctionsGlue}) calling the local Lambda endpoint directly.
 */
public final class LocalEngines implements Engines {
    public static final String NAME = "local";

    private final LocalDynamoDb dynamo;
    private final LocalS3 s3;

    private LocalEngines(LocalDynamoDb dynamo, LocalS3 s3) {
        this.dynamo = dynamo;
        this.s3 = s3;
    }

    /** @param stateDir where DynamoDB and S3 keep their data, or null to keep everything in memory */
    public static LocalEngines start(Path stateDir) throws Exception {
        return start(stateDir, java.util.List.of());
    }

    public static LocalEngines start(Path stateDir, java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> interceptors)
            throws Exception {
        LocalDynamoDb dynamo = LocalDynamoDb.start(stateDir == null ? null : stateDir.resolve("dynamodb"), interceptors);
        try {
            return new LocalEngines(dynamo, LocalS3.start(stateDir == null ? null : stateDir.resolve("s3"), interceptors));
        } catch (Exception | Error e) {
            try {
                dynamo.close();
            } catch (Exception stopFailure) {
                e.addSuppressed(stopFailure);
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LocalDynamoDb dynamo() {
        return dynamo;
    }

    @Override
    public LocalS3 s3() {
        return s3;
    }

    @Override
    public StateMachineEngine deployStateMachine(StateMachineSpec spec) throws Exception {
        StepFunctionsGlue glue = StepFunctionsGlue.start(spec.glueDir(), spec.machines(), spec.lambdaEndpoint(), spec.workDir(),
                spec.queuesDir());
        AwsCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        return new StateMachineEngine() {
            @Override
            public URI endpoint() {
                return glue.endpoint();
            }

            @Override
            public AwsCredentialsProvider credentials() {
                return credentials;
            }

            @Override
            public void close() throws InterruptedException {
                glue.close();
            }
        };
    }

    /** Stops s3proxy, then DynamoDB Local (whose scheduler thread outlives it: a main() must still exit). */
    @Override
    public void close() throws Exception {
        try {
            s3.close();
        } finally {
            dynamo.close();
        }
    }
}
