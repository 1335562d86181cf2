package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's "keys that never lie", as a user meets it: {@code ./reelay serve} runs a task while 20
 * {@code ./reelay keys create}, each a JVM of its own, run at once. Every key reported created is
 * listed and accepted by the API, every failure exits non-zero with a reason, and the commands went
 * through serve (none opened the database itself). Also: every {@code keys} command through serve,
 * and the keys endpoint that only {@code .reelay/serve.json}'s token opens.
 */
class KeysWhileServingEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int CONCURRENT_CREATES = 20;

    @TempDir
    static Path work;
    private static ExecutorService serving;
    private static Launcher serve;
    private static Future<Integer> serveExit;
    private static URI base;
    private static String defaultKey;

    @BeforeAll
    static void serve() throws Exception {
        serving = Executors.newSingleThreadExecutor();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        serve = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), stateDir());
        serveExit = serving.submit((Callable<Integer>) () -> serve.run(new String[]{"serve", "--port", "0"}));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!out.toString(StandardCharsets.UTF_8).contains("\n")) {
            if (serveExit.isDone()) {
                throw new AssertionError("serve ended before it was ready (" + serveExit.get() + "): " + err.toString(StandardCharsets.UTF_8));
            }
            assertThat(System.nanoTime()).as("serve ready in time").isLessThan(deadline);
            Thread.sleep(100);
        }
        JsonNode ready = JSON.readTree(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
        base = URI.create(ready.path("base_url").asText());
        defaultKey = ready.path("api_key").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        serve.stopServing();
        assertThat(serveExit.get(60, TimeUnit.SECONDS)).isZero();
        serving.shutdownNow();
        assertThat(stateDir().resolve(StateDirectory.SERVE_FILE)).as("removed when serve ends").doesNotExist();
    }

    private static Path stateDir() {
        return work.resolve(".reelay");
    }

    private record Run(String name, int exit, String stdout, String stderr, long millis) {
        JsonNode line() throws Exception {
            return JSON.readTree(stdout.strip());
        }
    }

    /** {@code ./reelay keys ARGS} as a JVM of its own, in the directory that holds {@code .reelay/}. */
    private static Run keysInItsOwnJvm(String name, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName(), "keys"));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile(work, "keys", ".err");
        long began = System.nanoTime();
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectError(errors.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as(name + " ended").isTrue();
        return new Run(name, process.exitValue(), stdout, Files.readString(errors), (System.nanoTime() - began) / 1_000_000);
    }

    /** {@code keys ARGS} in this JVM: the lock serve holds here sends it through serve's endpoint as well. */
    private static Run keys(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("keys"));
        all.addAll(List.of(args));
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), stateDir())
                .run(all.toArray(String[]::new));
        return new Run(String.join(" ", args), exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), 0);
    }

    private static HttpResponse<String> get(String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twentyConcurrentCreatesWhileATaskRunsAreEachStoredAndWorkingOrFailWithAReason() throws Exception {
        String image = ApiTestClient.frameImage(work);
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/videos/generations"))
                .header("Authorization", "Bearer " + defaultKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"waves\",\"image_start\":\""
                        + image + "\",\"duration\":5}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        String taskId = JSON.readTree(submitted.body()).path("id").asText();

        ExecutorService users = Executors.newFixedThreadPool(CONCURRENT_CREATES);
        List<Run> runs = new ArrayList<>();
        try {
            List<Future<Run>> started = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_CREATES; i++) {
                String name = "burst-" + i;
                started.add(users.submit(() -> keysInItsOwnJvm(name, "create", "--name", name)));
            }
            for (Future<Run> run : started) {
                runs.add(run.get(5, TimeUnit.MINUTES));
            }
        } finally {
            users.shutdownNow();
        }
        String taskStatus = JSON.readTree(get("/v1/tasks/" + taskId, defaultKey).body()).path("status").asText();

        Set<String> listed = keysInItsOwnJvm("list", "list").stdout().lines().map(line -> {
            try {
                return JSON.readTree(line).path("name").asText();
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
        }).collect(Collectors.toSet());
        List<Run> created = runs.stream().filter(run -> run.exit() == 0).toList();
        for (Run run : created) {
            JsonNode line = run.line();
            assertThat(line.path("name").asText()).isEqualTo(run.name());
            assertThat(listed).as("%s reported created", run.name()).contains(run.name());
            assertThat(get("/v1/tasks", line.path("api_key").asText()).statusCode()).as("%s's key accepted", run.name()).isEqualTo(200);
            assertThat(run.stderr()).as("%s went through serve, not a database of its own", run.name())
                    .doesNotContain("Initializing DynamoDB Local");
        }
        for (Run run : runs.stream().filter(run -> run.exit() != 0).toList()) {
            assertThat(run.stdout()).as("%s failed: nothing reported", run.name()).isEmpty();
            assertThat(run.stderr()).as("%s failed: the reason", run.name()).isNotBlank();
        }
        // Through serve, nothing contends for the database: every one is expected to succeed.
        assertThat(created).as("created; failures: %s", runs.stream().filter(run -> run.exit() != 0)
                .map(run -> run.name() + " " + run.exit() + ": " + run.stderr()).toList()).hasSize(CONCURRENT_CREATES);
        System.out.printf("keys create x%d while serving: slowest %d ms, task %s then%n", CONCURRENT_CREATES,
                runs.stream().mapToLong(Run::millis).max().orElseThrow(), taskStatus);

        // The task serve was running is untouched by all this: it completes.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String status;
        do {
            Thread.sleep(500);
            status = JSON.readTree(get("/v1/tasks/" + taskId, defaultKey).body()).path("status").asText();
        } while (!Cli.ended(status) && System.nanoTime() < deadline);
        assertThat(status).isEqualTo("completed");
    }

    @Test
    void everyKeysCommandGoesThroughServeWithTheLinesItPrintsOnItsOwn() throws Exception {
        Run created = keys("create", "--name", "through-serve", "--monthly-budget-usd", "5", "--max-concurrency", "2");
        assertThat(created.exit()).as(created.stderr()).isZero();
        assertThat(created.line().fieldNames()).toIterable()
                .containsExactly("name", "api_key", "monthly_budget_usd", "max_concurrency", "webhook_secret");
        assertThat(created.stderr()).contains("Created the API key 'through-serve'");
        assertThat(keys("create", "--name", "through-serve").exit()).as("taken").isEqualTo(2);

        Run listed = keys("list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.stdout()).contains("\"name\":\"through-serve\"").contains("\"max_concurrency\":2").doesNotContain("rly_");

        Run usage = keys("usage", "--name", "through-serve");
        assertThat(usage.exit()).as(usage.stderr()).isZero();
        assertThat(usage.line().path("object").asText()).isEqualTo("usage");
        assertThat(keys("usage", "--name", "through-serve", "--month", "May").exit()).isEqualTo(2);

        Run shown = keys("webhook-secret", "--name", "through-serve");
        assertThat(shown.line().path("webhook_secret").asText()).isEqualTo(created.line().path("webhook_secret").asText());
        Run rotated = keys("webhook-secret", "--name", "through-serve", "--rotate");
        assertThat(rotated.exit()).isZero();
        assertThat(rotated.line().path("webhook_secret").asText()).isNotEqualTo(shown.line().path("webhook_secret").asText());
        assertThat(keys("webhook-secret", "--name", "nobody").exit()).isEqualTo(2);

        Run revoked = keys("revoke", "--name", "through-serve");
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.line().path("revoked_at").asText()).isNotEmpty();
        assertThat(keys("revoke", "--name", "nobody").exit()).isEqualTo(2);
    }

    @Test
    void theKeysEndpointIsOpenedOnlyByTheTokenInServeJsonWhichOnlyItsOwnerReads() throws Exception {
        Path file = stateDir().resolve(StateDirectory.SERVE_FILE);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        StateDirectory.RunningStack stack = StateDirectory.runningStack(stateDir()).orElseThrow();
        assertThat(stack.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(stack.kind()).isEqualTo("serve");
        assertThat(stack.apiUrl()).isEqualTo(base);
        assertThat(stack.adminUrl().getHost()).isEqualTo("127.0.0.1");
        assertThat(stack.token()).hasSizeGreaterThanOrEqualTo(43);

        URI endpoint = stack.adminUrl().resolve(KeysAdminEndpoint.PATH);
        String list = "{\"args\":[\"list\"]}";
        for (String authorization : new String[]{null, "Bearer wrong", "Bearer " + stack.token() + "x", stack.token()}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(list));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> refused = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(refused.body()).doesNotContain("\"exit\"");
        }
        HttpResponse<String> answered = HTTP.send(HttpRequest.newBuilder(endpoint).header("Authorization", "Bearer " + stack.token())
                .POST(HttpRequest.BodyPublishers.ofString(list)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(answered.body()).path("exit").asInt()).isZero();
        // Not a route of the API.
        assertThat(get(KeysAdminEndpoint.PATH, defaultKey).statusCode()).isNotEqualTo(200);
    }

    /** A local generate while serve runs does not start a second stack on serve's database: it goes through serve's API. */
    @Test
    void aLocalGenerateWhileServeRunsGoesThroughServesApi() throws Exception {
        Path image = Path.of(URI.create(ApiTestClient.frameImage(work)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher generate = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                stateDir());
        int exit = generate.run(new String[]{"generate", "--image", image.toString(), "--prompt", "waves", "--duration", "3",
                "--out", work.resolve("videos").toString()});

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Using the running ./reelay serve").doesNotContain("Starting the local stack");
        JsonNode task = JSON.readTree(out.toString(StandardCharsets.UTF_8).lines().reduce((first, second) -> second).orElseThrow());
        assertThat(task.path("status").asText()).isEqualTo("completed");
        assertThat(get("/v1/tasks/" + task.path("id").asText(), defaultKey).statusCode()).as("serve's own task").isEqualTo(200);

        int withStackOptions = new Launcher(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stateDir()).run(new String[]{"generate", "--image", image.toString(),
                "--prompt", "waves", "--render-delay", "0"});
        assertThat(withStackOptions).as("serve's settings apply").isEqualTo(2);
    }
}
