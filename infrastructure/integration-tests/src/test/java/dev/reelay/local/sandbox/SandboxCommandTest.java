package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.SandboxCommand;
import dev.reelay.local.sandbox.kling.KlingClient;
import dev.reelay.local.sandbox.unified.UnifiedClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SandboxCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_LIMIT = Duration.ofSeconds(20);

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @Test
    void printsOneJsonLinePerSandboxAndServesWithTheScriptedFaultsUntilStopped() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(-1);
        Thread command = new Thread(() -> exitCode.set(SandboxCommand.run(new String[] {"--tls", "--render-delay", "0.5",
                "--progress-steps", "2", "--fault", "unified:refuse=1:503"}, print(stdout), print(stderr), stop)));
        command.start();
        List<JsonNode> lines = awaitStartup();

        assertThat(lines).hasSize(Dialects.ALL.size());
        JsonNode unified = lines.get(0);
        assertThat(unified.get("provider").asText()).isEqualTo("unified");
        Path pem = Path.of(unified.get("ca_pem").asText());
        URI baseUrl = URI.create(unified.get("base_url").asText());
        assertThat(baseUrl.getScheme()).isEqualTo("https");
        UnifiedClient client = new UnifiedClient(PemTrust.clientTrusting(pem), baseUrl, unified.at("/credentials/api_key").asText());
        HttpResponse<String> refused = client.create(UnifiedClient.textToVideo("A kite"));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).at("/error/code").asText()).isEqualTo("service_unavailable");
        assertThat(client.query("task-unified-1-missing").statusCode()).isEqualTo(404);

        stop.countDown();
        command.join(10_000);

        assertThat(command.isAlive()).isFalse();
        assertThat(exitCode.get()).isZero();
        assertThat(pem).doesNotExist();
    }

    @Test
    void refusesUnknownProvidersAndFaultsWithUsage() {
        assertThat(runToEnd("--fault", "nobody:slow=1s")).isEqualTo(2);
        assertThat(runToEnd("--fault", "unified:explode=1")).isEqualTo(2);
        assertThat(runToEnd("--fault", "unified:slow=fast")).isEqualTo(2);
        assertThat(runToEnd("--render-delay")).isEqualTo(2);

        assertThat(stdout.size()).isZero();
        assertThat(stderr.toString(StandardCharsets.UTF_8))
                .contains("PROVIDER one of [unified, kling, apimart, gateway]", "unknown kind explode", "fast is not a duration", "--render-delay needs a value");
    }

    @Test
    void limitsEachNamedProvidersParallelJobsWithItsOwnErrorAndReportsThePeaksOnClosing() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(-1);
        Thread command = new Thread(() -> exitCode.set(SandboxCommand.run(new String[] {"--render-delay", "30",
                "--concurrency-limit", "unified=1", "--concurrency-limit", "kling=2"}, print(stdout), print(stderr), stop)));
        command.start();
        List<JsonNode> lines = awaitStartup();

        JsonNode unified = lines.get(0);
        UnifiedClient unifiedClient = new UnifiedClient(HttpClient.newHttpClient(), URI.create(unified.get("base_url").asText()),
                unified.at("/credentials/api_key").asText());
        unifiedClient.accepted(UnifiedClient.textToVideo("The only one"));
        HttpResponse<String> unifiedRefusal = unifiedClient.create(UnifiedClient.textToVideo("One too many"));
        assertThat(unifiedRefusal.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(unifiedRefusal.body()).at("/error/code").asText()).isEqualTo("concurrency_limit_exceeded");
        JsonNode kling = lines.get(1);
        assertThat(kling.get("provider").asText()).isEqualTo("kling");
        KlingClient klingClient = new KlingClient(HttpClient.newHttpClient(), URI.create(kling.get("base_url").asText()),
                kling.at("/credentials/access_key").asText(), kling.at("/credentials/secret_key").asText());
        klingClient.accepted("text2video", KlingClient.textToVideo("First"));
        klingClient.accepted("text2video", KlingClient.textToVideo("Second"));
        HttpResponse<String> klingRefusal = klingClient.create("text2video", KlingClient.textToVideo("Third"));
        assertThat(klingRefusal.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(klingRefusal.body()).get("code").asInt()).isEqualTo(1303);

        stop.countDown();
        command.join(10_000);

        assertThat(exitCode.get()).isZero();
        String log = stderr.toString(StandardCharsets.UTF_8);
        assertThat(log).containsOnlyOnce("Peak of parallel jobs in the unified sandbox: 1\n")
                .containsOnlyOnce("Peak of parallel jobs in the kling sandbox: 2\n")
                .containsOnlyOnce("Peak of parallel jobs in the apimart sandbox: 0\n");
    }

    @Test
    void refusesBadConcurrencyLimitsWithUsage() {
        assertThat(runToEnd("--concurrency-limit", "nobody=2")).isEqualTo(2);
        assertThat(runToEnd("--concurrency-limit", "unified=0")).isEqualTo(2);
        assertThat(runToEnd("--concurrency-limit", "unified=two")).isEqualTo(2);
        assertThat(runToEnd("--concurrency-limit", "unified")).isEqualTo(2);
        assertThat(runToEnd("--concurrency-limit", "kling=1", "--concurrency-limit", "kling=2")).isEqualTo(2);
        assertThat(runToEnd("--concurrency-limit")).isEqualTo(2);

        assertThat(stdout.size()).isZero();
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains(
                "--concurrency-limit nobody=2: expected PROVIDER=N with PROVIDER one of [unified, kling, apimart, gateway]",
                "--concurrency-limit unified=0: N must be at least 1", "two is not a whole number",
                "--concurrency-limit unified: expected PROVIDER=N", "kling already has a limit", "--concurrency-limit needs a value");
    }

    @Test
    void printsItsUsageOnHelp() {
        assertThat(runToEnd("--help")).isZero();

        assertThat(stdout.size()).isZero();
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("Usage: reelay sandbox", "refuse=N:STATUS[:CODE]", "truncate-downloads=N",
                "--concurrency-limit PROVIDER=N");
    }

    private int runToEnd(String... args) {
        return SandboxCommand.run(args, print(stdout), print(stderr), new CountDownLatch(0));
    }

    private List<JsonNode> awaitStartup() throws Exception {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (!stderr.toString(StandardCharsets.UTF_8).contains("running until interrupted")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The sandbox command did not start within " + START_LIMIT + ": " + stderr);
            }
            Thread.sleep(20);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
