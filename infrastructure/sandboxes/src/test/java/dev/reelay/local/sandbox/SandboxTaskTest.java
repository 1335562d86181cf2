package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.unified.UnifiedDialect;
import dev.reelay.local.sandbox.unified.UnifiedJobParser;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The kit's status derivation, shown through the unified dialect's task object. */
class SandboxTaskTest {
    private static final String ID = "task-unified-1757169743-7cvnl5zw";
    private static final URI VIDEO_URL = URI.create("http://127.0.0.1:8080/v1/files/" + ID + ".mp4");
    private static final UnifiedDialect DIALECT = new UnifiedDialect(SandboxSettings.forTests());

    @Test
    void staysPendingUntilTheFirstProgressStep() throws ApiError {
        SandboxTask task = task(Duration.ofHours(1));

        ObjectNode json = DIALECT.taskJson(task.snapshot());

        assertThat(json.get("status").asText()).isEqualTo("pending");
        assertThat(json.get("progress").asInt()).isZero();
        assertThat(json.at("/task_info/estimated_time").asLong()).isEqualTo(3600);
    }

    @Test
    void completesWithTheVideoLinkOnceRenderedAndTheDelayHasPassed() throws ApiError {
        SandboxTask task = task(Duration.ZERO);
        assertThat(DIALECT.taskJson(task.snapshot()).get("status").asText()).isEqualTo("processing");

        task.rendered(Path.of("ignored.mp4"));
        ObjectNode json = DIALECT.taskJson(task.snapshot());

        assertThat(json.get("status").asText()).isEqualTo("completed");
        assertThat(json.get("progress").asInt()).isEqualTo(100);
        assertThat(json.at("/task_info/can_cancel").asBoolean()).isFalse();
        assertThat(json.at("/task_info/estimated_time").asLong()).isEqualTo(1);
        assertThat(json.at("/results/0").asText()).isEqualTo(VIDEO_URL.toString());
    }

    @Test
    void failsWithAGenerationErrorWhenRenderingFails() throws ApiError {
        SandboxTask task = task(Duration.ofHours(1));

        task.failed("Rendering failed: disk full");
        ObjectNode json = DIALECT.taskJson(task.snapshot());

        assertThat(json.get("status").asText()).isEqualTo("failed");
        assertThat(json.at("/error/code").asText()).isEqualTo("generation_failed");
        assertThat(json.at("/error/message").asText()).isEqualTo("Rendering failed: disk full");
        assertThat(json.at("/task_info/can_cancel").asBoolean()).isFalse();
        assertThat(json.has("results")).isFalse();
    }

    @Test
    void aLateFailureWaitsForTheRenderDelay() throws ApiError {
        SandboxTask task = task(Duration.ofHours(1));

        task.failsAfterDelay(new TaskSnapshot.Failure("content_policy_violation", "Blocked"));

        assertThat(task.snapshot().status()).isEqualTo(TaskSnapshot.Status.PENDING);
    }

    @Test
    void pricesQualityAndSoundPerSecond() throws ApiError {
        SandboxTask silentHd = task(Duration.ZERO);
        SandboxTask fullHd = task(Duration.ZERO, JsonNodeFactory.instance.objectNode().put("quality", "1080p").put("duration", 10));

        assertThat(DIALECT.taskJson(silentHd.snapshot()).at("/usage/estimated_cost").asDouble()).isEqualTo(0.375);
        assertThat(DIALECT.taskJson(silentHd.snapshot()).at("/usage/credits_reserved").asDouble()).isEqualTo(27.0);
        assertThat(DIALECT.taskJson(fullHd.snapshot()).at("/usage/estimated_cost").asDouble()).isEqualTo(0.99975); // 0.075 x 1.333 x 10
        assertThat(DIALECT.taskJson(fullHd.snapshot()).at("/usage/credits_reserved").asDouble()).isEqualTo(71.982);
    }

    private static SandboxTask task(Duration renderDelay) throws ApiError {
        return task(renderDelay, JsonNodeFactory.instance.objectNode());
    }

    private static SandboxTask task(Duration renderDelay, ObjectNode fields) throws ApiError {
        Job job = UnifiedJobParser.parse(fields.put("model", "kling-v3-image-to-video").put("image_start", "https://example.com/a.png"));
        return new SandboxTask(ID, Instant.ofEpochSecond(1757169743), job, renderDelay, 3, VIDEO_URL);
    }
}
