package dev.reelay.local.backend;

import dev.reelay.local.engines.DynamoDbEngine;
import dev.reelay.local.engines.Engines;
import dev.reelay.local.lambda.LocalArns;
import dev.reelay.local.sfn.StepFunctionsGlue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.StateMachineType;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

/**
 * The runtime's AWS engines on LocalStack, in Docker: one LocalStack container per runtime, for
 * DynamoDB, S3 (its events through SQS, see {@link LocalStackS3}), Step Functions and Lambda.
 * The HTTP API, the vendor sandboxes and every Java handler stay in the test JVM, as on the local
 * engines.
 * <p>
 * <b>The bridge.</b> LocalStack's Step Functions runs {@code statemachine/video-generation.asl.json}
 * itself, with the substitutions the runtime gives (each {@code ${...FunctionArn}} a function ARN in
 * LocalStack's account 000000000000, us-east-1). Each such function is created in LocalStack as a
 * thin Node.js forwarder ({@link LambdaBridge}, {@code localstack-bridge/index.js}) that posts its
 * event to the runtime's Lambda Invoke endpoint in this JVM and answers with the handler's output or
 * error. LocalStack runs Lambda functions in containers of their own (it is given the Docker socket),
 * and those reach this JVM through Testcontainers' host port forwarding: the LocalStack container is
 * started with access to the host, which starts Testcontainers' SSH forwarding container; the Lambda
 * endpoint's port is exposed through it; and the forwarders call it at that container's address on
 * the Docker network (the address LocalStack's own {@code host.testcontainers.internal} entry holds),
 * because the Lambda containers LocalStack starts do not get that host entry.
 * <p>
 * <b>Limits.</b> Unverified on the machine it was written on, which has no Docker. It needs network
 * access to pull {@value #DEFAULT_IMAGE} and LocalStack's Node.js Lambda image. It assumes LocalStack
 * puts its Lambda containers on the network of the forwarding container (the default bridge network,
 * when neither is configured otherwise). Every runtime gets its own container (about 10 to 20 s to
 * start, plus the forwarders' first, cold invocations). Events and outputs cross JSON in Node, so
 * integers beyond 2^53 would lose precision (Reelay has none); Node's fetch gives up on a handler
 * that answers after 5 minutes (the tests' handlers take seconds). LocalStack after 4.14.0 needs an auth
 * token: {@code LOCALSTACK_AUTH_TOKEN} is passed on when set, and {@value #IMAGE_PROPERTY} picks
 * another image.
 */
public final class LocalStackEngines implements Engines {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStackEngines.class);
    public static final String NAME = "localstack";
    /** The last LocalStack release that starts without an auth token (February 2026). */
    public static final String DEFAULT_IMAGE = "localstack/localstack:4.14.0";
    /** A system property naming another LocalStack image. */
    public static final String IMAGE_PROPERTY = "reelay.localstack.image";
    /** Any role: LocalStack does not enforce IAM unless told to. */
    static final String ROLE = "arn:aws:iam::" + LocalArns.ACCOUNT + ":role/reelay-localstack";
    private static final Duration FORWARDER_TIMEOUT = Duration.ofMinutes(15);

    private final LocalStackContainer container;
    private final String bridgeHost;
    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final Region region;
    private final DynamoDbClient dynamoClient;
    private final SqsClient sqs;
    private final LambdaClient lambda;
    private final SfnClient sfn;
    private final LocalStackS3 s3;
    private final DynamoDbEngine dynamo;

    private LocalStackEngines(LocalStackContainer container, String bridgeHost) {
        this.container = container;
        this.bridgeHost = bridgeHost;
        URI endpoint = container.getEndpoint();
        this.http = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(60)).build();
        this.credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(container.getAccessKey(), container.getSecretKey()));
        this.region = Region.of(container.getRegion());
        this.dynamoClient = DynamoDbClient.builder().httpClient(http).region(region).credentialsProvider(credentials)
                .endpointOverride(endpoint).build();
        this.sqs = SqsClient.builder().httpClient(http).region(region).credentialsProvider(credentials).endpointOverride(endpoint).build();
        this.lambda = LambdaClient.builder().httpClient(http).region(region).credentialsProvider(credentials)
                .endpointOverride(endpoint).build();
        this.sfn = SfnClient.builder().httpClient(http).region(region).credentialsProvider(credentials).endpointOverride(endpoint).build();
        this.s3 = new LocalStackS3(endpoint, container.getAccessKey(), container.getSecretKey(), region, http, sqs);
        this.dynamo = new DynamoDbEngine() {
            @Override
            public URI endpoint() {
                return endpoint;
            }

            @Override
            public DynamoDbClient client() {
                return dynamoClient;
            }
        };
    }

    /**
     * Starts a LocalStack container. Only call it with a Docker engine (see {@link TestBackend}):
     * Testcontainers' classes reach for Docker as soon as a container is constructed.
     *
     * @param stateDir ignored: LocalStack keeps its state in the container, which goes with the runtime
     */
    /** As {@link #start(Path)}; the AWS-call recording of the IAM contract test runs on the local engines only. */
    public static LocalStackEngines start(Path stateDir, java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> ignored) {
        return start(stateDir);
    }

    public static LocalStackEngines start(Path stateDir) {
        if (stateDir != null) {
            LOG.warn("The LocalStack engines keep no state between runs; {} is not used", stateDir);
        }
        DockerImageName image = DockerImageName.parse(System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE))
                .asCompatibleSubstituteFor("localstack/localstack");
        // No SERVICES list: LocalStack then loads each service on first use. With a list, its strict
        // service loading would refuse anything left out that Lambda or Step Functions call inside
        // (CloudWatch Logs, STS, ...). Used: dynamodb, s3, sqs, stepfunctions, lambda.
        LocalStackContainer container = new LocalStackContainer(image)
                // The forwarders' first start pulls LocalStack's Node.js image; give it time.
                .withEnv("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT", "120")
                .withAccessToHost(true)
                .withStartupTimeout(Duration.ofMinutes(3));
        String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (token != null && !token.isBlank()) {
            container.withEnv("LOCALSTACK_AUTH_TOKEN", token);
        }
        long began = System.nanoTime();
        container.start();
        try {
            LocalStackEngines engines = new LocalStackEngines(container, bridgeHost(container));
            LOG.info("LocalStack {} up in {} ms at {}; its Lambda functions reach this JVM at {}", image,
                    (System.nanoTime() - began) / 1_000_000, container.getEndpoint(), engines.bridgeHost);
            return engines;
        } catch (RuntimeException | Error e) {
            container.stop();
            throw e;
        }
    }

    /**
     * The address at which containers reach this JVM's exposed ports: the one Testcontainers gave the
     * LocalStack container for {@code host.testcontainers.internal} (its SSH forwarding container).
     */
    private static String bridgeHost(LocalStackContainer container) {
        String prefix = GenericContainer.INTERNAL_HOST_HOSTNAME + ":";
        Optional<String> fromExtraHosts = container.getExtraHosts().stream()
                .filter(entry -> entry.startsWith(prefix)).map(entry -> entry.substring(prefix.length())).findFirst();
        if (fromExtraHosts.isPresent()) {
            return fromExtraHosts.get();
        }
        try {
            Container.ExecResult hosts = container.execInContainer("getent", "hosts", GenericContainer.INTERNAL_HOST_HOSTNAME);
            String address = hosts.getStdout().strip().split("\\s+")[0];
            if (hosts.getExitCode() == 0 && !address.isEmpty()) {
                return address;
            }
            throw new IllegalStateException("getent answered " + hosts.getExitCode() + ": " + hosts.getStderr());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot tell at which address LocalStack's Lambda containers reach this JVM", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DynamoDbEngine dynamo() {
        return dynamo;
    }

    @Override
    public LocalStackS3 s3() {
        return s3;
    }

    /** LocalStack's Lambda API, e.g. to see or invoke the forwarders. */
    public LambdaClient lambda() {
        return lambda;
    }

    public URI endpoint() {
        return container.getEndpoint();
    }

    /**
     * Exposes the local Lambda endpoint to the containers, creates one forwarder per function the
     * substitutions name (waiting until each is Active), and creates the state machine from the
     * substituted definition. Its ARN must be the one the runtime's configuration holds.
     */
    @Override
    public StateMachineEngine deployStateMachine(StateMachineSpec spec) throws Exception {
        int port = spec.lambdaEndpoint().getPort();
        Testcontainers.exposeHostPorts(port);
        String bridge = "http://" + bridgeHost + ":" + port;
        SdkBytes code = SdkBytes.fromByteArray(LambdaBridge.forwarderZip());
        SortedSet<String> functions = new java.util.TreeSet<>();
        spec.machines().forEach(machine -> functions.addAll(LambdaBridge.functionNames(machine.substitutions())));
        for (String function : functions) {
            Map<String, String> environment = Map.of(LambdaBridge.BRIDGE_VARIABLE, bridge, LambdaBridge.TARGET_VARIABLE, function);
            try {
                lambda.createFunction(create -> create.functionName(function).runtime(LambdaBridge.RUNTIME)
                        .handler(LambdaBridge.HANDLER).role(ROLE).code(c -> c.zipFile(code))
                        .timeout((int) FORWARDER_TIMEOUT.toSeconds()).memorySize(256)
                        .environment(e -> e.variables(environment)));
            } catch (ResourceConflictException exists) {
                lambda.updateFunctionConfiguration(update -> update.functionName(function).environment(e -> e.variables(environment)));
            }
        }
        for (String function : functions) {
            lambda.waiter().waitUntilFunctionActiveV2(get -> get.functionName(function));
        }
        for (StepFunctionsGlue.Machine machine : spec.machines()) {
            String definition = LambdaBridge.substitute(Files.readString(machine.definition()), machine.substitutions());
            String arn = sfn.createStateMachine(create -> create.name(machine.name()).definition(definition).roleArn(ROLE)
                    .type(StateMachineType.STANDARD)).stateMachineArn();
            String expected = LocalArns.stateMachine(machine.name());
            if (!arn.equals(expected)) {
                throw new IllegalStateException("LocalStack made the state machine " + arn + "; the runtime expects " + expected);
            }
            LOG.info("On LocalStack: state machine {}", arn);
        }
        LOG.info("On LocalStack: forwarders {} to {}", functions, bridge);
        URI endpoint = container.getEndpoint();
        return new StateMachineEngine() {
            @Override
            public URI endpoint() {
                return endpoint;
            }

            @Override
            public AwsCredentialsProvider credentials() {
                return credentials;
            }

            @Override
            public void close() {
                // The state machine and its executions go with the container.
            }
        };
    }

    @Override
    public void close() {
        try {
            s3.close();
            sfn.close();
            lambda.close();
            sqs.close();
            dynamoClient.close();
            http.close();
        } finally {
            container.stop();
        }
    }
}
