package dev.reelay.local.engines;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local queues: one JSON line per message, in the shape the Step Functions glue writes for sqs:sendMessage. */
class LocalQueuesTest {
    @TempDir
    Path dir;

    @Test
    void eachMessageIsOneLineWithItsBodyParsedWhenItIsJson() throws Exception {
        LocalQueues queues = new LocalQueues(dir.resolve("dead-letters"));
        String first = queues.send("UploadDeadLetterQueue", "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8), Map.of("ErrorCode", "200"));
        queues.send("UploadDeadLetterQueue", "plain text".getBytes(StandardCharsets.UTF_8), Map.of());

        List<String> lines = Files.readAllLines(dir.resolve("dead-letters/UploadDeadLetterQueue.jsonl"));
        assertThat(lines).hasSize(2);
        List<JsonNode> messages = queues.messages("UploadDeadLetterQueue");
        JsonNode json = messages.get(0);
        assertThat(json.path("messageId").asText()).isEqualTo(first);
        assertThat(json.path("queue").asText()).isEqualTo("UploadDeadLetterQueue");
        assertThat(Instant.parse(json.path("sentAt").asText())).isNotNull();
        assertThat(json.path("md5OfBody").asText()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("MD5").digest("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8))));
        assertThat(json.path("body").path("Records").isArray()).isTrue();
        assertThat(json.path("attributes").path("ErrorCode").asText()).isEqualTo("200");
        assertThat(messages.get(1).path("body").asText()).isEqualTo("plain text");
        assertThat(queues.messages("WebhookDeadLetterQueue")).isEmpty();
    }

    @Test
    void aQueueNameIsAFileNameAndNothingElse() {
        LocalQueues queues = new LocalQueues(dir);
        assertThatThrownBy(() -> queues.file("../escape")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queues.send("a/b", new byte[0], Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
