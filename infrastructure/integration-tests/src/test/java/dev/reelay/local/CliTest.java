package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line itself, without a stack: every command's help, usage errors (exit 2), the completion
 * script, the docs' CLI reference held to {@code reelay --help}, remote commands without an endpoint or
 * with one that cannot be reached (exit 3), and local {@code generate} refusing bad input before any stack starts.
 */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every command; each answers --help. */
    private static final List<List<String>> COMMANDS = List.of(List.of(), List.of("generate"), List.of("batch"), List.of("serve"), List.of("keys"),
            List.of("keys", "create"), List.of("keys", "list"), List.of("keys", "revoke"), List.of("keys", "usage"),
            List.of("keys", "webhook-secret"),
            List.of("tasks"), List.of("tasks", "list"), List.of("tasks", "get"), List.of("tasks", "cancel"),
            List.of("tasks", "download"), List.of("usage"), List.of("completion"));

    @TempDir
    Path work;

    record Run(int exit, String stdout, String stderr) {
        JsonNode lastLine() throws Exception {
            List<String> lines = stdout.lines().toList();
            assertThat(lines).as("stdout; stderr: %s", stderr).isNotEmpty();
            return JSON.readTree(lines.get(lines.size() - 1));
        }
    }

    private Run run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Launcher(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                work.resolve(".reelay"), environment).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... args) {
        return run(Map.of(), args);
    }

    private static String[] args(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void everyCommandAnswersHelpAndExitsZero() {
        for (List<String> command : COMMANDS) {
            Run help = run(args(command, "--help"));
            assertThat(help.exit()).as(String.join(" ", command)).isZero();
            assertThat(help.stdout()).as(String.join(" ", command)).contains("Usage: reelay " + String.join(" ", command).strip())
                    .contains("Exit codes:");
        }
        assertThat(run("keys", "--help").stdout()).contains("create").contains("list").contains("revoke").contains("usage")
                .contains("webhook-secret");
        assertThat(run("help", "tasks").exit()).isZero();
        Run sandbox = run("sandbox", "--help");
        assertThat(sandbox.exit()).isZero();
        assertThat(sandbox.stderr()).contains("Usage: reelay sandbox");
    }

    @Test
    void badUsageExitsTwoWithTheProblemOnStderrAndNothingOnStdout() {
        List<String[]> mistakes = new ArrayList<>();
        for (List<String> command : COMMANDS) {
            mistakes.add(args(command, "--no-such-option"));
        }
        mistakes.addAll(List.of(new String[]{}, new String[]{"frobnicate"}, new String[]{"keys"}, new String[]{"tasks"},
                new String[]{"generate", "--prompt", "waves"}, new String[]{"generate", "--image", "x.png"},
                new String[]{"serve", "--port", "many"}, new String[]{"serve", "--render-delay", "soon"},
                new String[]{"tasks", "list", "--limit", "ten"}, new String[]{"keys", "webhook-secret"},
                new String[]{"keys", "webhook-secret", "--name", "x", "--rotate", "yes"}, new String[]{"tasks", "get"}, new String[]{"sandbox", "--fault", "nobody:slow=1s"},
                new String[]{"generate", "--image", work.resolve("missing.png").toString(), "--prompt", "waves"}));
        for (String[] mistake : mistakes) {
            Run bad = run(mistake);
            assertThat(bad.exit()).as(String.join(" ", mistake)).isEqualTo(2);
            assertThat(bad.stdout()).as(String.join(" ", mistake)).isEmpty();
            assertThat(bad.stderr()).as(String.join(" ", mistake)).isNotBlank();
        }
        assertThat(run("keys", "frobnicate").stderr()).contains("frobnicate");
    }

    @Test
    void completionPrintsABashCompletionScriptForEveryCommand() {
        Run completion = run("completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.stdout()).contains("complete -F").contains("generate").contains("tasks").contains("download")
                .contains("--endpoint");
    }

    /** docs/local-stack.md's CLI reference names exactly the commands {@code reelay --help} lists, and their subcommands. */
    @Test
    void theDocsCliReferenceNamesEveryCommandOfTheHelpAndNoOther() throws Exception {
        String docs = Files.readString(RepoLayout.locate().root().resolve("docs/local-stack.md"));
        int start = docs.indexOf("## The command line");
        assertThat(start).as("docs/local-stack.md has a '## The command line' section").isNotNegative();
        int end = docs.indexOf("\n## ", start + 1);
        String reference = docs.substring(start, end < 0 ? docs.length() : end);
        Set<String> documented = new TreeSet<>();
        Matcher heading = Pattern.compile("(?m)^#### `reelay ([a-z]+(?: [a-z][a-z-]*)?)").matcher(reference);
        while (heading.find()) {
            documented.add(heading.group(1));
        }
        Set<String> helped = new TreeSet<>();
        for (String command : commandsIn(run("--help").stdout())) {
            helped.add(command);
            if (command.equals("keys") || command.equals("tasks")) {
                for (String sub : commandsIn(run(command, "--help").stdout())) {
                    helped.add(command + " " + sub);
                }
            }
        }
        assertThat(documented).isEqualTo(helped);
    }

    /** The names under "Commands:" in a picocli help text. */
    private static List<String> commandsIn(String help) {
        String commands = help.substring(help.indexOf("Commands:"));
        List<String> names = new ArrayList<>();
        Matcher name = Pattern.compile("(?m)^  ([a-z][a-z-]*)\\b").matcher(commands);
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }

    @Test
    void remoteCommandsNeedAnEndpointAndAKeyAndTellAnUnreachableOneApart() throws Exception {
        for (String[] command : List.of(new String[]{"tasks", "list"}, new String[]{"tasks", "get", "task-1"}, new String[]{"usage"})) {
            Run noEndpoint = run(command);
            assertThat(noEndpoint.exit()).isEqualTo(2);
            assertThat(noEndpoint.stderr()).contains("--endpoint").contains("REELAY_ENDPOINT");
        }
        assertThat(run("usage", "--endpoint", "http://127.0.0.1:9").stderr()).contains("REELAY_API_KEY");
        assertThat(run("usage", "--endpoint", "ftp://example.com", "--api-key", "k").exit()).isEqualTo(2);

        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> environment = Map.of("REELAY_ENDPOINT", "http://127.0.0.1:" + closedPort, "REELAY_API_KEY", "rly_x");
        Run unreachable = run(environment, "tasks", "list");
        assertThat(unreachable.exit()).as(unreachable.stderr()).isEqualTo(3);
        assertThat(unreachable.stderr()).contains("unavailable");
        assertThat(run(environment, "usage").exit()).isEqualTo(3);
    }

    @Test
    void remoteGenerateRefusesALocalFileThatIsNoImageWithoutCallingTheApi() throws Exception {
        Path notAnImage = Files.writeString(work.resolve("notes.txt"), "not an image");
        // A closed port: refused before any call, so not "unavailable".
        Run refused = run("generate", "--endpoint", "http://127.0.0.1:9", "--api-key", "rly_x", "--image", notAnImage.toString(), "--prompt", "waves");
        assertThat(refused.exit()).as(refused.stderr()).isEqualTo(2);
        JsonNode error = refused.lastLine().path("error");
        assertThat(error.path("code").asText()).isEqualTo("unsupported_image_format");
        assertThat(error.path("param").asText()).isEqualTo("image_start");
        // A real image is uploaded first (POST /v1/uploads), so a closed port is "unavailable".
        Path image = work.resolve("frame.png");
        ImageIO.write(new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        assertThat(run("generate", "--endpoint", "http://127.0.0.1:9", "--api-key", "rly_x", "--image", image.toString(),
                "--prompt", "waves").exit()).isEqualTo(3);
        Run localOnly = run("generate", "--endpoint", "http://127.0.0.1:9", "--api-key", "rly_x", "--image", "https://example.com/a.png",
                "--prompt", "waves", "--render-delay", "1");
        assertThat(localOnly.exit()).isEqualTo(2);
        assertThat(localOnly.stderr()).contains("do not go with --endpoint");
    }

    /** Issue 13's "Done when": a 200x200 image is refused within a second, with the API's error, and no stack starts. */
    @Test
    void localGenerateRefusesATooSmallImageBeforeAnyStackStarts() throws Exception {
        Path small = work.resolve("small.png");
        ImageIO.write(new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB), "png", small.toFile());
        run("--help"); // the classes loaded, as they are in a command's own JVM before its first line
        long began = System.nanoTime();
        Run refused = run("generate", "--image", small.toString(), "--prompt", "waves");
        long tookMillis = (System.nanoTime() - began) / 1_000_000;
        assertThat(refused.exit()).as(refused.stderr()).isEqualTo(2);
        assertThat(tookMillis).isLessThan(1000);
        JsonNode error = refused.lastLine().path("error");
        assertThat(error.path("code").asText()).isEqualTo("image_too_small");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("image_start");
        assertThat(error.path("message").asText()).contains("200x200");
        assertThat(refused.stderr()).doesNotContain("Starting the local stack");
        assertThat(work.resolve(".reelay")).doesNotExist();

        Path frame = work.resolve("frame.png");
        ImageIO.write(new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB), "png", frame.toFile());
        Path text = work.resolve("notes.png");
        Files.writeString(text, "not an image");
        Path wide = work.resolve("wide.png");
        ImageIO.write(new BufferedImage(1600, 300, BufferedImage.TYPE_INT_RGB), "png", wide.toFile());
        Map<String, String[]> cases = Map.of(
                "unsupported_image_format", new String[]{"--image", text.toString()},
                "invalid_image_aspect_ratio", new String[]{"--image", wide.toString()},
                "invalid_duration", new String[]{"--image", frame.toString(), "--duration", "99"},
                "invalid_quality", new String[]{"--image", frame.toString(), "--quality", "8k"},
                "unknown_provider", new String[]{"--image", frame.toString(), "--provider", "nobody"});
        for (Map.Entry<String, String[]> refusal : cases.entrySet()) {
            List<String> command = new ArrayList<>(List.of("generate", "--prompt", "waves"));
            command.addAll(List.of(refusal.getValue()));
            Run bad = run(command.toArray(String[]::new));
            assertThat(bad.exit()).as(refusal.getKey()).isEqualTo(2);
            assertThat(bad.lastLine().path("error").path("code").asText()).isEqualTo(refusal.getKey());
        }
        Run badEnd = run("generate", "--prompt", "waves", "--image", frame.toString(), "--last-image", small.toString());
        assertThat(badEnd.lastLine().path("error").path("param").asText()).isEqualTo("image_end");
        assertThat(work.resolve(".reelay")).doesNotExist();
    }

    /**
     * The same refusal as a user meets it, in a JVM of its own: the API's error as the last stdout line, exit 2,
     * no state directory, and no stack's start-up time (a stack takes many seconds; the bound leaves room for a busy machine).
     */
    @Test
    void aTooSmallImageIsRefusedByTheCommandInItsOwnJvmWithoutAStack() throws Exception {
        Path small = work.resolve("small.png");
        ImageIO.write(new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB), "png", small.toFile());
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName(), "generate", "--image", small.toString(), "--prompt", "waves");
        long began = System.nanoTime();
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectError(work.resolve("stderr.txt").toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        long tookMillis = (System.nanoTime() - began) / 1_000_000;
        assertThat(process.exitValue()).as(Files.readString(work.resolve("stderr.txt"))).isEqualTo(2);
        assertThat(new Run(2, stdout, "").lastLine().path("error").path("code").asText()).isEqualTo("image_too_small");
        assertThat(Files.readString(work.resolve("stderr.txt"))).contains("200x200").doesNotContain("Starting the local stack");
        assertThat(work.resolve(".reelay")).doesNotExist();
        assertThat(tookMillis).isLessThan(5000);
    }

    /** Without a running stack, keys webhook-secret opens .reelay/'s database itself: it shows the secret create printed, and rotates it. */
    @Test
    void keysWebhookSecretShowsTheSecretAgainAndRotatesItWithoutAStack() throws Exception {
        Run created = run("keys", "create", "--name", "hooks");
        assertThat(created.exit()).as(created.stderr()).isZero();
        String printed = created.lastLine().path("webhook_secret").asText();

        Run shown = run("keys", "webhook-secret", "--name", "hooks");
        assertThat(shown.exit()).as(shown.stderr()).isZero();
        assertThat(shown.lastLine().path("webhook_secret").asText()).isEqualTo(printed);
        assertThat(shown.lastLine().path("rotated").asBoolean()).isFalse();

        Run rotated = run("keys", "webhook-secret", "--name", "hooks", "--rotate");
        assertThat(rotated.exit()).as(rotated.stderr()).isZero();
        assertThat(rotated.lastLine().path("webhook_secret").asText()).startsWith("whsec_").isNotEqualTo(printed);
        assertThat(rotated.lastLine().path("rotated").asBoolean()).isTrue();
        assertThat(run("keys", "webhook-secret", "--name", "hooks").lastLine().path("webhook_secret").asText())
                .isEqualTo(rotated.lastLine().path("webhook_secret").asText());

        Run nobody = run("keys", "webhook-secret", "--name", "nobody");
        assertThat(nobody.exit()).isEqualTo(2);
        assertThat(nobody.stdout()).isEmpty();
        assertThat(nobody.stderr()).contains("no API key named 'nobody'");
        assertThat(work.resolve(".reelay").resolve(StateDirectory.SERVE_FILE)).as("no stack ran").doesNotExist();
    }

    /** A serve.json left by a stack that was killed names a dead process: it is removed, and the command opens the database itself. */
    @Test
    void aStaleServeFileIsRemovedAndTheCommandRunsOnTheDatabaseItself() throws Exception {
        Process ended = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ended.waitFor();
        Path stateDir = work.resolve(".reelay");
        Files.createDirectories(stateDir);
        StateDirectory.publish(stateDir, new StateDirectory.RunningStack(ended.pid(), "serve", java.net.URI.create("http://127.0.0.1:9"),
                java.net.URI.create("http://127.0.0.1:9"), "stale-token"));

        Run listed = run("keys", "list");
        assertThat(listed.exit()).as(listed.stderr()).isZero();
        assertThat(stateDir.resolve(StateDirectory.SERVE_FILE)).doesNotExist();
    }

    /**
     * A running stack that fails the command (here one that answers 500), or stops answering once it
     * was sent, is exit 3 with the reason; what the stack answers is printed as the command printed it.
     */
    @Test
    void aKeysCommandTheRunningStackFailsIsUnavailableWithTheReason() throws Exception {
        Path stateDir = work.resolve(".reelay");
        java.util.concurrent.atomic.AtomicReference<String> answer = new java.util.concurrent.atomic.AtomicReference<>();
        try (StateDirectory.Ownership heldByTheStack = StateDirectory.tryOwn(stateDir).orElseThrow();
             LoopbackHttpServer stack = LoopbackHttpServer.start("fake-stack", 0, exchange -> {
                 exchange.getRequestBody().readAllBytes();
                 String body = answer.get();
                 if (body == null) {
                     exchange.close(); // the stack died with the command
                     return;
                 }
                 boolean ok = body.startsWith("{");
                 LoopbackHttpServer.respond(exchange, ok ? 200 : 500, ok ? "application/json" : "text/plain", body.getBytes(StandardCharsets.UTF_8));
             })) {
            StateDirectory.publish(stateDir, new StateDirectory.RunningStack(ProcessHandle.current().pid(), "serve", stack.baseUrl(),
                    stack.baseUrl(), "token"));

            answer.set("the table is gone");
            Run failed = run("keys", "create", "--name", "someone");
            assertThat(failed.exit()).isEqualTo(3);
            assertThat(failed.stdout()).isEmpty();
            assertThat(failed.stderr()).contains("unavailable").contains("HTTP 500").contains("the table is gone");

            answer.set(null);
            Run cut = run("keys", "create", "--name", "someone");
            assertThat(cut.exit()).isEqualTo(3);
            assertThat(cut.stdout()).isEmpty();
            assertThat(cut.stderr()).contains("may or may not have been done").contains("keys list");

            answer.set("{\"exit\":1,\"stdout\":\"\",\"stderr\":\"reelay keys create: not confirmed\\n\"}");
            Run relayed = run("keys", "create", "--name", "someone");
            assertThat(relayed.exit()).isEqualTo(1);
            assertThat(relayed.stdout()).isEmpty();
            assertThat(relayed.stderr()).isEqualTo("reelay keys create: not confirmed\n");
        }
    }
}
