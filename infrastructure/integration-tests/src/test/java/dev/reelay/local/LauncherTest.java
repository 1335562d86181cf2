package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's {@code keys} commands and {@code serve}'s JSON line, run in-process on a state
 * directory of their own, and {@code keys} from a separate process against a running stack.
 */
class LauncherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    /** One run of the launcher: its exit code and what it printed. */
    private record Run(int exit, String stdout, String stderr) {
        List<JsonNode> lines() {
            return stdout.lines().map(line -> {
                try {
                    return JSON.readTree(line);
                } catch (Exception e) {
                    throw new AssertionError("Not a JSON line: " + line, e);
                }
            }).toList();
        }
    }

    private Path stateDir() {
        return work.resolve(".reelay");
    }

    private Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                stateDir()).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void keysAreCreatedOnceListedWithoutSecretsAndRevoked() throws Exception {
        Run created = run("keys", "create", "--name", "team-a", "--monthly-budget-usd", "12.50");
        assertThat(created.exit()).as(created.stderr()).isZero();
        assertThat(created.lines()).hasSize(1);
        JsonNode key = created.lines().get(0);
        assertThat(key.path("name").asText()).isEqualTo("team-a");
        assertThat(key.path("api_key").asText()).matches("rly_[A-Za-z0-9_-]{43}");
        assertThat(key.path("monthly_budget_usd").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(key.path("webhook_secret").asText()).startsWith("whsec_");
        Run unlimited = run("keys", "create", "--name", "team-b");
        assertThat(unlimited.lines().get(0).path("monthly_budget_usd").isNull()).isTrue();
        assertThat(run("keys", "create", "--name", "team-c", "--monthly-budget-usd", "25.00").stdout()).contains("\"monthly_budget_usd\":25,");

        Run taken = run("keys", "create", "--name", "team-a");
        assertThat(taken.exit()).isEqualTo(2);
        assertThat(taken.stdout()).isEmpty();
        assertThat(taken.stderr()).contains("never reused");
        for (String[] refused : List.of(new String[]{"--name", "Team A"}, new String[]{"--name", "ok-name", "--monthly-budget-usd", "lots"},
                new String[]{"--name", "ok-name", "--monthly-budget-usd", "-1"})) {
            String[] args = new String[refused.length + 2];
            args[0] = "keys";
            args[1] = "create";
            System.arraycopy(refused, 0, args, 2, refused.length);
            Run bad = run(args);
            assertThat(bad.exit()).as(String.join(" ", refused)).isEqualTo(2);
            assertThat(bad.stdout()).isEmpty();
        }

        Run listed = run("keys", "list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.lines()).extracting(line -> line.path("name").asText()).containsExactly("team-a", "team-b", "team-c");
        assertThat(listed.stdout()).contains("\"monthly_budget_usd\":25,").contains("\"monthly_budget_usd\":12.5,");
        assertThat(listed.stdout()).doesNotContain(key.path("api_key").asText()).doesNotContain("rly_").doesNotContain("whsec_");
        assertThat(listed.lines().get(0).path("active").asBoolean()).isTrue();
        assertThat(listed.lines().get(0).path("committed_usd_this_month").decimalValue()).isZero();

        Run revoked = run("keys", "revoke", "--name", "team-a");
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.lines().get(0).path("revoked_at").asText()).isNotEmpty();
        assertThat(run("keys", "revoke", "--name", "team-a").exit()).as("already revoked").isZero();
        assertThat(run("keys", "revoke", "--name", "nobody").exit()).isEqualTo(2);
        assertThat(run("keys", "list").lines().get(0).path("active").asBoolean()).isFalse();
        assertThat(run("keys", "create", "--name", "team-a").exit()).as("not even after revocation").isEqualTo(2);
    }

    /** The sums themselves are tested against real tasks in UsageEndToEndTest; here, the command's own rules. */
    @Test
    void keysUsagePrintsTheKeysUsageOfAMonthAndRefusesABadMonthOrAnUnknownKey() throws Exception {
        assertThat(run("keys", "create", "--name", "team-a", "--monthly-budget-usd", "12.50").exit()).isZero();

        Run thisMonth = run("keys", "usage", "--name", "team-a");
        assertThat(thisMonth.exit()).as(thisMonth.stderr()).isZero();
        assertThat(thisMonth.lines()).hasSize(1);
        JsonNode usage = thisMonth.lines().get(0);
        assertThat(usage.path("object").asText()).isEqualTo("usage");
        assertThat(usage.path("month").asText()).isEqualTo(java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString());
        assertThat(usage.path("tasks").path("total").asInt()).isZero();
        assertThat(usage.path("budget").path("monthly_usd").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(usage.path("budget").path("remaining_usd").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(thisMonth.stdout()).contains("\"monthly_usd\":12.5,").contains("\"cost_usd\":0,");
        Run december = run("keys", "usage", "--name", "team-a", "--month", "2026-12");
        assertThat(december.lines().get(0).path("month").asText()).isEqualTo("2026-12");

        for (String refused : List.of("2026-13", "2026-1", "december", "2026-12-01")) {
            Run bad = run("keys", "usage", "--name", "team-a", "--month", refused);
            assertThat(bad.exit()).as(refused).isEqualTo(2);
            assertThat(bad.stdout()).isEmpty();
            assertThat(bad.stderr()).as(refused).contains("YYYY-MM");
        }
        Run nobody = run("keys", "usage", "--name", "nobody");
        assertThat(nobody.exit()).isEqualTo(2);
        assertThat(nobody.stdout()).isEmpty();
        assertThat(nobody.stderr()).contains("no API key named 'nobody'");
    }

    @Test
    void aKeyIsCreatedWithItsOwnConcurrencyCapWhichListShows() throws Exception {
        Run capped = run("keys", "create", "--name", "capped", "--max-concurrency", "3");
        assertThat(capped.exit()).as(capped.stderr()).isZero();
        assertThat(capped.stdout()).contains("\"max_concurrency\":3,");
        Run uncapped = run("keys", "create", "--name", "uncapped", "--monthly-budget-usd", "5");
        assertThat(uncapped.lines().get(0).path("max_concurrency").isNull()).isTrue();

        for (String refused : List.of("0", "-1", "x", "2.5")) {
            Run bad = run("keys", "create", "--name", "bad-cap", "--max-concurrency", refused);
            assertThat(bad.exit()).as(refused).isEqualTo(2);
            assertThat(bad.stdout()).isEmpty();
            assertThat(bad.stderr()).as(refused).contains("whole number of at least 1");
        }

        Run listed = run("keys", "list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.lines()).extracting(line -> line.path("name").asText()).containsExactly("capped", "uncapped");
        assertThat(listed.lines().get(0).path("max_concurrency").asInt()).isEqualTo(3);
        assertThat(listed.lines().get(1).path("max_concurrency").isNull()).isTrue();
    }

    @Test
    void keysUsageMistakesAreUsageErrors() throws Exception {
        for (List<String> args : List.of(List.of("keys"), List.of("keys", "frobnicate"), List.of("keys", "create"),
                List.of("keys", "list", "--region", "eu-west-1"), List.of("keys", "list", "--monthly-budget-usd", "3"),
                List.of("keys", "list", "--max-concurrency", "3"), List.of("keys", "revoke", "--name", "team-a", "--max-concurrency", "3"),
                List.of("keys", "revoke", "--colour", "red"), List.of("keys", "usage"), List.of("keys", "list", "--month", "2026-12"),
                List.of("keys", "create", "--name", "team-a", "--month", "2026-12"))) {
            Run bad = run(args.toArray(String[]::new));
            assertThat(bad.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(bad.stdout()).as(String.join(" ", args)).isEmpty();
            assertThat(bad.stderr()).as(String.join(" ", args)).startsWith("reelay: ").contains("--help");
        }
    }

    @Test
    void servePrintsOneJsonLineAndKeysMadeByAnotherProcessWorkAtOnce() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Serving first = serve(pool);
            JsonNode ready = first.ready();
            assertThat(ready.fieldNames()).toIterable().containsExactly("base_url", "api_key", "api_key_name", "s3_endpoint",
                    "s3_access_key", "s3_secret_key", "uploads_bucket");
            assertThat(ready.path("api_key_name").asText()).isEqualTo("default");
            String defaultKey = ready.path("api_key").asText();
            assertThat(defaultKey).matches("rly_[A-Za-z0-9_-]{43}");
            URI base = URI.create(ready.path("base_url").asText());
            assertThat(get(base, "/v1/tasks/task-0-none", defaultKey).statusCode()).as("authorized, no such task").isEqualTo(404);
            assertThat(get(base, "/v1/tasks/task-0-none", null).statusCode()).isEqualTo(401);
            // The S3 coordinates are enough to upload to the local uploads bucket.
            try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(ready.path("s3_endpoint").asText()))
                    .region(Region.US_EAST_1).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                            ready.path("s3_access_key").asText(), ready.path("s3_secret_key").asText()))).build()) {
                s3.putObject(p -> p.bucket(ready.path("uploads_bucket").asText()).key("uploads/default/hello.txt"), RequestBody.fromString("hi"));
                assertThat(s3.headObject(h -> h.bucket(LocalRuntime.UPLOADS_BUCKET).key("uploads/default/hello.txt")).contentLength()).isEqualTo(2);
            }
            assertThat(Files.getPosixFilePermissions(stateDir().resolve("default-api-key")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));

            // ./reelay keys in another process, on the same state directory, while serve runs.
            JsonNode created = JSON.readTree(keysInAnotherProcess("create", "--name", "from-cli", "--monthly-budget-usd", "2"));
            String cliKey = created.path("api_key").asText();
            assertThat(get(base, "/v1/tasks/task-0-none", cliKey).statusCode()).as("accepted by the running stack").isEqualTo(404);
            String revokedFirst = JSON.readTree(keysInAnotherProcess("create", "--name", "revoked-by-cli")).path("api_key").asText();
            keysInAnotherProcess("revoke", "--name", "revoked-by-cli");
            HttpResponse<String> revoked = get(base, "/v1/tasks/task-0-none", revokedFirst);
            assertThat(revoked.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(revoked.body()).path("error").path("code").asText()).isEqualTo("invalid_api_key");

            first.stop();
            assertThat(first.stdout().lines().count()).as("serve's stdout is that one line").isEqualTo(1);
            assertThat(first.stderr()).contains("Created the local API key 'default'");

            // A later start prints the same key, kept in the state directory.
            Serving again = serve(pool);
            assertThat(again.ready().path("api_key").asText()).isEqualTo(defaultKey);
            assertThat(again.ready().path("base_url").asText()).isNotEmpty();
            assertThat(get(URI.create(again.ready().path("base_url").asText()), "/v1/tasks/task-0-none", cliKey).statusCode()).isEqualTo(404);
            again.stop();
            assertThat(again.stderr()).doesNotContain("Created the local API key");
        } finally {
            pool.shutdownNow();
        }
    }

    /** A {@code serve} running in this JVM. */
    private record Serving(Launcher launcher, Future<Integer> exit, ByteArrayOutputStream out, ByteArrayOutputStream err, JsonNode ready) {
        String stdout() {
            return out.toString(StandardCharsets.UTF_8);
        }

        String stderr() {
            return err.toString(StandardCharsets.UTF_8);
        }

        void stop() throws Exception {
            launcher.stopServing();
            assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
        }
    }

    private Serving serve(ExecutorService pool) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher launcher = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stateDir());
        Future<Integer> exit = pool.submit((Callable<Integer>) () -> launcher.run(new String[]{"serve", "--port", "0"}));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!out.toString(StandardCharsets.UTF_8).contains("\n")) {
            if (exit.isDone()) {
                exit.get();
                throw new AssertionError("serve ended before it was ready: " + err.toString(StandardCharsets.UTF_8));
            }
            assertThat(System.nanoTime()).as("serve ready in time").isLessThan(deadline);
            Thread.sleep(100);
        }
        return new Serving(launcher, exit, out, err, JSON.readTree(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow()));
    }

    /** {@code ./reelay keys ...} as its own JVM in the working directory that holds {@code .reelay/}; its stdout. */
    private String keysInAnotherProcess(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName(), "keys"));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile(work, "keys", ".err");
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectError(errors.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(errors)).isZero();
        return stdout.strip();
    }

    private static HttpResponse<String> get(URI base, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
