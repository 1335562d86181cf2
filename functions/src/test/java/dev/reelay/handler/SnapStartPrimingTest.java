package dev.reelay.handler;

import com.sun.net.httpserver.HttpServer;
import org.crac.Context;
import org.crac.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SnapStart's priming runs offline, resolves no credentials and touches no randomness. Checked in a
 * JVM of its own ({@link SnapStartPrimingProbe}) whose only reachable AWS is a stub here: the SDK's
 * endpoint (AWS_ENDPOINT_URL) and the container credentials endpoint SnapStart functions get their
 * credentials from (AWS_CONTAINER_CREDENTIALS_FULL_URI), with no other credentials anywhere. The stub
 * records every request; a control run shows that it and the randomness counter do see what priming avoids.
 */
class SnapStartPrimingTest {
    private HttpServer stub;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    @TempDir
    Path home;

    @BeforeEach
    void startTheStub() throws IOException {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] body = exchange.getRequestURI().getPath().equals("/credentials")
                    ? ("{\"AccessKeyId\":\"AKIDPRIMINGSTUB\",\"SecretAccessKey\":\"stub\",\"Token\":\"stub\",\"Expiration\":\""
                    + Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS) + "\"}").getBytes(StandardCharsets.UTF_8)
                    : "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stub.start();
    }

    @AfterEach
    void stopTheStub() {
        stub.stop(0);
    }

    @Test
    void primingRunsEveryStepOfflineWithoutCredentialsOrRandomness() throws Exception {
        String line = probe();

        assertThat(line).startsWith("steps=classes,json,dynamodb,s3,sfn ");
        assertThat(line).contains(" primingRandom=0");
        assertThat(requests).as("no request left the JVM and no credentials were asked for").isEmpty();
    }

    @Test
    void theProbeSeesCredentialsRequestsAndRandomnessWhenTheyHappen() throws Exception {
        String line = probe("control");

        assertThat(line).matches("controlRandom=[1-9][0-9]*");
        assertThat(requests).contains("GET /credentials").anyMatch(request -> request.startsWith("POST /"));
    }

    @Test
    void itIsRegisteredAsACracResourceAndRunsAtTheCheckpointOnly() throws Exception {
        List<Resource> registered = new ArrayList<>();
        Context<Resource> context = new Context<>() {
            @Override
            public void beforeCheckpoint(Context<? extends Resource> ignored) {
                for (Resource resource : registered) {
                    try {
                        resource.beforeCheckpoint(this);
                    } catch (Exception e) {
                        throw new AssertionError("beforeCheckpoint threw", e);
                    }
                }
            }

            @Override
            public void afterRestore(Context<? extends Resource> ignored) {
            }

            @Override
            public void register(Resource resource) {
                registered.add(resource);
            }
        };

        SnapStartPriming priming = SnapStartPriming.registerWith(context);

        assertThat(registered).containsExactly(priming);
        context.beforeCheckpoint(null);
        priming.afterRestore(context);
        assertThat(priming.prime()).containsExactly("classes", "json", "dynamodb", "s3", "sfn");
    }

    /** Runs the probe with the functions' environment, no credentials, and only the stub to reach. */
    private String probe(String... args) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, SnapStartPrimingProbe.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = builder.environment();
        env.clear();
        String stubUrl = "http://127.0.0.1:" + stub.getAddress().getPort();
        env.putAll(Map.of(
                "TASKS_TABLE", "reelay-priming-tasks",
                "ARCHIVE_BUCKET", "reelay-priming-archive",
                "UPLOADS_BUCKET", "reelay-priming-uploads",
                "PROVIDER_ENDPOINTS", "unified=https://api.example.com;kling=https://api-singapore.klingai.com",
                "PROVIDER_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:reelay-priming",
                "STATE_MACHINE_ARN", "arn:aws:states:us-east-1:000000000000:stateMachine:reelay-priming",
                "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL", stubUrl,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", stubUrl + "/credentials",
                "AWS_EC2_METADATA_DISABLED", "true"));
        env.putAll(Map.of(
                "HOME", home.toString(),
                "AWS_CONFIG_FILE", home.resolve("no-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-credentials").toString()));
        Process process = builder.start();
        process.getOutputStream().close();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(stdout).isZero();
        String[] lines = stdout.strip().split("\\R");
        return lines[lines.length - 1];
    }
}
