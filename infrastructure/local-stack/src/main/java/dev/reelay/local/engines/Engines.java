package dev.reelay.local.engines;

import dev.reelay.local.sfn.StepFunctionsGlue;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The AWS services under the local runtime: DynamoDB, S3 and Step Functions. Everything else of
 * the runtime (the HTTP API, the Lambda endpoint with the handlers, the vendor sandboxes) runs in
 * this JVM whatever the engines are. {@link LocalEngines} are the default: DynamoDB Local, s3proxy
 * and the Step Functions engine under Node, all on this machine. The tests can put the same
 * runtime on LocalStack's engines instead (see docs/testing.md).
 */
public interface Engines extends AutoCloseable {
    /** A short name for logs: {@code local}, {@code localstack}. */
    String name();

    DynamoDbEngine dynamo();

    S3Engine s3();

    /**
     * Runs {@code spec}'s state machines on this Step Functions engine, their Task states invoking the
     * functions that its substitutions name, which answer at {@code spec.lambdaEndpoint()}. The
     * runtime closes what this returns before it stops that endpoint.
     */
    StateMachineEngine deployStateMachine(StateMachineSpec spec) throws Exception;

    /**
     * Starts the engines; {@code stateDir} is where they keep their data, or null to keep it in
     * memory. {@code interceptors} go on the engines' DynamoDB and S3 clients (the IAM contract
     * test records every call with them); empty when nothing listens.
     */
    @FunctionalInterface
    interface Factory {
        Engines start(Path stateDir, java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> interceptors) throws Exception;
    }

    /**
     * The state machines, as SAM deploys them, each with its name, ASL file and
     * {@code DefinitionSubstitutions} ({@code ${Name}} to value, e.g. function ARNs).
     *
     * @param lambdaEndpoint the local Lambda Invoke endpoint where the functions run, by their names
     * @param glueDir        the Step Functions glue's folder (the local engine's; others ignore it)
     * @param workDir        where an engine may write files (the glue's config)
     * @param queuesDir      where the local engine writes what its {@code sqs:sendMessage} states send (others ignore it)
     */
    record StateMachineSpec(List<StepFunctionsGlue.Machine> machines, URI lambdaEndpoint, Path glueDir, Path workDir,
                            Path queuesDir) {
        public StateMachineSpec {
            machines = List.copyOf(machines);
        }
    }

    /** The running state machines: where their Step Functions API answers, and with which credentials. */
    interface StateMachineEngine extends AutoCloseable {
        URI endpoint();

        AwsCredentialsProvider credentials();
    }
}
