package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.application.PollingPolicy;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.Sandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A vendor that answers a submission after Reelay stopped waiting, and a vendor whose final callback
 * comes long before Reelay's next check (docs/queue.md). Status checks here are 20 s apart, and a
 * vendor's answer is waited for 3 s (REELAY_VENDOR_TIMEOUT_SECONDS).
 */
@EndToEnd
class AtMostOnceSubmissionEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static ApiTestClient api;
    private static String image;

    @BeforeAll
    static void start() throws Exception {
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        runtime = TestBackend.start(new LocalRuntime.Settings(null, tests.sandbox(),
                new PollingPolicy(20, 30, 1.5, Duration.ofMinutes(10), 100), 0, Map.of("REELAY_VENDOR_TIMEOUT_SECONDS", "3"), true));
        api = ApiTestClient.of(runtime);
        image = ApiTestClient.frameImage(dir);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static String submit(String provider) throws Exception {
        return api.submit(Map.of("model", "kling-v3-image-to-video", "prompt", "held", "image_start", image, "duration", 3,
                "provider", provider));
    }

    @ParameterizedTest(name = "{0} holds the submission past the timeout: one vendor job, one charge")
    @ValueSource(strings = {"unified", "kling"})
    void aSubmissionAnsweredAfterTheTimeoutIsReconciledNotRepeated(String provider) throws Exception {
        Sandbox sandbox = runtime.sandbox(provider);
        int jobsBefore = sandbox.taskIds().size();
        sandbox.faults().slowResponses(1, Duration.ofSeconds(6));

        JsonNode task = api.awaitEnd(submit(provider), TIMEOUT);

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        assertThat(ApiTestClient.events(task)).contains("provider_submission_unknown").doesNotContain("provider_refused");
        assertThat(sandbox.taskIds().size() - jobsBefore).as("the vendor rendered one job").isEqualTo(1);
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isPositive();
        assertThat(task.path("usage").path("charged").asBoolean()).isTrue();
        assertThat(billingRecords(task.path("id").asText())).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}'s callback mid-wait: provider_callback to billed within a second")
    @ValueSource(strings = {"unified", "kling"})
    void aCallbackInTheMiddleOfAWaitResumesTheWorkflowAtOnce(String provider) throws Exception {
        runtime.sandbox(provider).faults().renderSlowly(1, Duration.ofSeconds(8));

        JsonNode task = api.awaitEnd(submit(provider), TIMEOUT);

        assertThat(task.path("status").asText()).as(task.toString()).isEqualTo("completed");
        Map<String, Instant> at = ApiTestClient.times(task);
        assertThat(at).containsKey("provider_callback");
        assertThat(Duration.between(at.get("provider_callback"), at.get("billed"))).isLessThanOrEqualTo(Duration.ofSeconds(1));
        // The first status check was 20 s after submission: the task ended long before it.
        assertThat(Duration.between(at.get("provider_submitted"), at.get("billed"))).isLessThan(Duration.ofSeconds(18));
    }

    private static long billingRecords(String taskId) {
        return runtime.dynamo().client().query(q -> q.tableName(LocalRuntime.TASKS_TABLE).keyConditionExpression("pk = :pk AND sk = :sk")
                .expressionAttributeValues(Map.of(":pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("TASK#" + taskId),
                        ":sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("BILLING")))).count();
    }

}
