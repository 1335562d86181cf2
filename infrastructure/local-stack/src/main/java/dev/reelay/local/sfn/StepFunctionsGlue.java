package dev.reelay.local.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.lambda.LocalArns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.reelay.application.TaskLog;
import org.slf4j.MDC;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Step Functions for the local stack: the {@code aws-local-stepfunctions} engine under Node, behind
 * our glue server ({@code infrastructure/local-stack/sfn-glue}) which speaks the AWS JSON protocol, so the real
 * {@code SfnClient} talks to it. It runs {@code statemachine/*.asl.json} unchanged, with the
 * definition substitutions a SAM deployment would apply.
 */
public final class StepFunctionsGlue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepFunctionsGlue.class);
    private static final Logger GLUE_LOG = LoggerFactory.getLogger("dev.reelay.local.sfn.glue");
    /** What the glue itself writes: {@code [sfn-glue] <ISO time> <message>}; anything else is Node's own (a crash). */
    private static final Pattern OWN_LINE = Pattern.compile("^\\[sfn-glue\\] \\S+ (.*)$");
    private static final Pattern EXECUTION = Pattern.compile("execution (task-[a-z0-9-]+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long READY_TIMEOUT_SECONDS = 30;

    private final Process node;
    private final URI endpoint;

    /**
     * One state machine the glue runs.
     *
     * @param name          e.g. {@code VideoGenerationStateMachine}
     * @param definition    the ASL file
     * @param substitutions its {@code DefinitionSubstitutions}
     */
    public record Machine(String name, Path definition, Map<String, String> substitutions) {
        public Machine {
            substitutions = Map.copyOf(substitutions);
        }
    }

    private StepFunctionsGlue(Process node, URI endpoint) {
        this.node = node;
        this.endpoint = endpoint;
    }

    /** One machine, without queues. */
    public static StepFunctionsGlue start(Path glueDir, String stateMachineName, Path definition,
                                          Map<String, String> substitutions, URI lambdaEndpoint, Path workDir)
            throws IOException, InterruptedException {
        return start(glueDir, List.of(new Machine(stateMachineName, definition, substitutions)), lambdaEndpoint, workDir, null);
    }

    /**
     * @param glueDir        the glue's folder, with its node_modules installed
     * @param machines       the state machines it runs, each under the ARN {@link LocalArns#stateMachine} gives its name
     * @param lambdaEndpoint where the glue invokes functions
     * @param workDir        where the glue's config file is written
     * @param queuesDir      where the machines' {@code sqs:sendMessage} tasks append their messages, one
     *                       {@code <queue name>.jsonl} per queue ({@link dev.reelay.local.engines.LocalQueues}); null for none
     */
    public static StepFunctionsGlue start(Path glueDir, List<Machine> machines, URI lambdaEndpoint, Path workDir, Path queuesDir)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(glueDir.resolve("node_modules/aws-local-stepfunctions/package.json"))) {
            throw new IllegalStateException("The Step Functions glue has no node_modules in " + glueDir
                    + "; run 'npm ci' there (the Maven build does it).");
        }
        Map<String, Object> config = new java.util.LinkedHashMap<>(Map.of(
                "port", 0,
                "host", "127.0.0.1",
                "region", LocalArns.REGION,
                "accountId", LocalArns.ACCOUNT,
                "lambdaEndpoint", lambdaEndpoint.toString(),
                "stateMachines", machines.stream().map(machine -> Map.of("name", machine.name(),
                        "arn", LocalArns.stateMachine(machine.name()), "definitionFile", machine.definition().toAbsolutePath().toString(),
                        "substitutions", machine.substitutions())).toList()));
        if (queuesDir != null) {
            config.put("queuesDir", queuesDir.toAbsolutePath().toString());
        }
        Files.createDirectories(workDir);
        Path configFile = Files.createTempFile(workDir, "sfn-glue-", ".json");
        JSON.writeValue(configFile.toFile(), config);
        configFile.toFile().deleteOnExit();

        Process node = new ProcessBuilder("node", glueDir.resolve("server.mjs").toString(), "--config", configFile.toString())
                .directory(glueDir.toFile())
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        relayLog(node);
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader stdout = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                return stdout.readLine();
            } catch (IOException e) {
                throw new IllegalStateException("Reading the glue's ready line", e);
            }
        });
        try {
            String line = ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            JsonNode readyLine = line == null ? null : JSON.readTree(line);
            if (readyLine == null || !readyLine.path("ready").asBoolean()) {
                node.destroyForcibly();
                throw new IllegalStateException("The Step Functions glue did not start (exit "
                        + (node.isAlive() ? "n/a" : node.exitValue()) + "); its stderr is above. First line: " + line);
            }
            URI endpoint = URI.create("http://127.0.0.1:" + readyLine.path("port").asInt());
            LOG.debug("Step Functions glue ready at {}", endpoint);
            return new StepFunctionsGlue(node, endpoint);
        } catch (ExecutionException | TimeoutException e) {
            node.destroyForcibly();
            throw new IllegalStateException("The Step Functions glue did not report ready within "
                    + READY_TIMEOUT_SECONDS + " s", e);
        }
    }

    /**
     * The glue's stderr, line by line, into our log: so that with {@code REELAY_LOG_FORMAT=json} its lines are
     * JSON too, and a line about an execution (named by its task) carries that task's id.
     */
    private static void relayLog(Process node) {
        Thread relay = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    Matcher execution = EXECUTION.matcher(line);
                    if (execution.find()) {
                        MDC.put(TaskLog.TASK_ID, execution.group(1));
                    }
                    Matcher own = OWN_LINE.matcher(line);
                    if (own.matches()) {
                        GLUE_LOG.info(own.group(1));
                    } else {
                        GLUE_LOG.warn(line);
                    }
                    MDC.clear();
                }
            } catch (IOException e) {
                LOG.warn("Stopped reading the Step Functions glue's log: {}", e.toString());
            }
        }, "sfn-glue-log");
        relay.setDaemon(true);
        relay.start();
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            node.getOutputStream().close(); // the glue exits when its stdin closes
        } catch (IOException e) {
            LOG.debug("Closing the glue's stdin", e);
        }
        if (!node.waitFor(5, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
