package dev.reelay.local.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.RepoLayout;
import dev.reelay.local.lambda.LambdaInvokeServer;
import dev.reelay.local.lambda.LocalArns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The LocalStack bridge without LocalStack: the forwarder's code runs here under Node, as LocalStack's
 * Node.js runtime would run it, against a real local Lambda endpoint; and the state machine's
 * definition gets the substitutions and forwarders the runtime asks for.
 */
class LambdaBridgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LambdaInvokeServer lambdas;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startTheLambdaEndpoint() throws IOException {
        lambdas = LambdaInvokeServer.start();
        lambdas.register("EchoFunction", (in, out, context) -> {
            JsonNode event = JSON.readTree(in);
            JSON.writeValue(out, Map.of("echo", event, "function", context.getFunctionName()));
        });
        lambdas.register("FlakyFunction", (in, out, context) -> {
            throw new TransientFailureException("provider_unavailable", "the vendor answered 503");
        });
    }

    @AfterAll
    static void stop() {
        if (lambdas != null) {
            lambdas.close();
        }
    }

    @Test
    void theForwarderAnswersWithTheJavaHandlersOutput() throws Exception {
        JsonNode answer = runForwarder("EchoFunction", "{\"taskId\":\"task-1\",\"waitSeconds\":2,\"nested\":{\"a\":[1,2]}}",
                lambdas.endpoint().toString());

        assertThat(answer.path("ok").path("echo")).isEqualTo(JSON.readTree("{\"taskId\":\"task-1\",\"waitSeconds\":2,\"nested\":{\"a\":[1,2]}}"));
        assertThat(answer.path("ok").path("function").asText()).isEqualTo("EchoFunction");
    }

    @Test
    void theForwarderFailsWithTheJavaExceptionsClassNameAsErrorType() throws Exception {
        JsonNode answer = runForwarder("FlakyFunction", "{}", lambdas.endpoint().toString());

        // What the Node.js runtime reports as errorType, which Step Functions matches in Retry and Catch.
        assertThat(answer.path("error").path("name").asText()).isEqualTo(TransientFailureException.class.getName());
        assertThat(answer.path("error").path("message").asText()).isEqualTo("provider_unavailable: the vendor answered 503");
    }

    @Test
    void aFunctionTheEndpointDoesNotHaveIsResourceNotFound() throws Exception {
        JsonNode answer = runForwarder("NoSuchFunction", "{}", lambdas.endpoint().toString());

        assertThat(answer.path("error").path("name").asText()).isEqualTo("ResourceNotFoundException");
    }

    @Test
    void anUnreachableEndpointSaysSo() throws Exception {
        JsonNode answer = runForwarder("EchoFunction", "{}", "http://127.0.0.1:1");

        assertThat(answer.path("error").path("name").asText()).isEqualTo("ReelayBridgeUnreachable");
        assertThat(answer.path("error").path("message").asText()).contains("http://127.0.0.1:1/2015-03-31/functions/EchoFunction/invocations");
    }

    @Test
    void theDeploymentPackageHoldsTheForwarderAlone() throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(LambdaBridge.forwarderZip()))) {
            ZipEntry entry = zip.getNextEntry();
            assertThat(entry.getName()).isEqualTo("index.js");
            assertThat(new String(zip.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(LambdaBridge.forwarderSource())
                    .contains("exports.handler");
            assertThat(zip.getNextEntry()).isNull();
        }
    }

    @Test
    void theRealDefinitionGetsEveryFunctionArnAndNeedsAForwarderForEach() throws IOException {
        Map<String, String> substitutions = Map.of(
                "SubmitToProviderFunctionArn", LocalArns.function("SubmitToProviderFunction"),
                "CheckStatusFunctionArn", LocalArns.function("CheckStatusFunction"),
                "ArchiveVideoFunctionArn", LocalArns.function("ArchiveVideoFunction"),
                "SettleBillingFunctionArn", LocalArns.function("SettleBillingFunction"),
                "RecordFailureFunctionArn", LocalArns.function("RecordFailureFunction"),
                "AwaitProviderCallbackFunctionArn", LocalArns.function("AwaitProviderCallbackFunction"),
                "AwaitProviderSlotFunctionArn", LocalArns.function("AwaitProviderSlotFunction"),
                "DeliverWebhookFunctionArn", LocalArns.function("DeliverWebhookFunction"),
                "WebhookDeadLetterQueueUrl", "https://sqs.us-east-1.amazonaws.com/000000000000/WebhookDeadLetterQueue");
        String definition = Files.readString(RepoLayout.locate().stateMachineDefinition());

        String substituted = LambdaBridge.substitute(definition, substitutions);

        assertThat(substituted).doesNotContain("${");
        JsonNode states = JSON.readTree(substituted).path("States");
        assertThat(states.path("SubmitToProvider").path("Resource").asText()).isEqualTo(LocalArns.function("SubmitToProviderFunction"));
        assertThat(states.path("AwaitProviderCallback").path("Parameters").path("FunctionName").asText())
                .isEqualTo(LocalArns.function("AwaitProviderCallbackFunction"));
        assertThat(states.path("AwaitProviderSlot").path("Parameters").path("FunctionName").asText())
                .isEqualTo(LocalArns.function("AwaitProviderSlotFunction"));
        assertThat(LambdaBridge.functionNames(substitutions)).containsExactly("ArchiveVideoFunction", "AwaitProviderCallbackFunction",
                "AwaitProviderSlotFunction", "CheckStatusFunction", "DeliverWebhookFunction", "RecordFailureFunction", "SettleBillingFunction", "SubmitToProviderFunction");
        assertThat(LocalRuntime.STATE_MACHINE).isEqualTo("VideoGenerationStateMachine");
    }

    @Test
    void aPlaceholderWithoutSubstitutionIsAnError() {
        assertThatThrownBy(() -> LambdaBridge.substitute("{\"Resource\": \"${MissingArn}\", \"Other\": \"${AlsoMissing}\"}",
                Map.of("Unused", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("No substitution for placeholder(s) ${AlsoMissing}, ${MissingArn}");
        assertThat(LambdaBridge.substitute("{\"a\": \"${A}\", \"cost\": \"$5\"}", Map.of("A", "arn:$1\\x")))
                .isEqualTo("{\"a\": \"arn:$1\\x\", \"cost\": \"$5\"}");
    }

    @Test
    void onlyFunctionArnsNeedForwarders() {
        assertThat(LambdaBridge.functionNames(Map.of(
                "A", "arn:aws:lambda:us-east-1:000000000000:function:A",
                "Queue", "arn:aws:sqs:us-east-1:000000000000:q",
                "Versioned", "arn:aws:lambda:us-east-1:000000000000:function:B:live",
                "Table", "TasksTable"))).containsExactly("A");
    }

    /** Runs index.js's handler under Node with the forwarder's environment; prints {"ok": output} or {"error": {name, message}}. */
    private static JsonNode runForwarder(String function, String eventJson, String bridge) throws Exception {
        Path code = dir.resolve("index.js");
        Files.writeString(code, LambdaBridge.forwarderSource());
        String harness = "const { handler } = require(process.argv[1]);"
                + "handler(JSON.parse(process.argv[2])).then("
                + "  out => process.stdout.write(JSON.stringify({ ok: out })),"
                + "  e => process.stdout.write(JSON.stringify({ error: { name: e.name, message: e.message } })));";
        ProcessBuilder node = new ProcessBuilder(List.of("node", "-e", harness, code.toString(), eventJson)).redirectErrorStream(true);
        node.environment().put(LambdaBridge.BRIDGE_VARIABLE, bridge);
        node.environment().put(LambdaBridge.TARGET_VARIABLE, function);
        Process process;
        try {
            process = node.start();
        } catch (IOException noNode) {
            Assumptions.abort("Node.js is not on the PATH: " + noNode.getMessage());
            throw noNode;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return JSON.readTree(output);
    }
}
