package dev.reelay.local.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The local stand-in for the stack's SQS queues, which only ever receive: the dead-letter queues. Each
 * message is one JSON line appended to {@code <dir>/<queue name>.jsonl}, in the same shape as the Step
 * Functions glue writes for {@code sqs:sendMessage} ({@code infrastructure/local-stack/sfn-glue/README.md}):
 * {@code {"messageId","queue","sentAt","md5OfBody","body","attributes"}}, {@code body} parsed when it is JSON.
 * Nothing is ever received or deleted: the file is the queue's whole history, for people and tests to read.
 */
public final class LocalQueues {
    /** The queue of S3 upload events whose asynchronous invocations all failed (template.yaml's UploadDeadLetterQueue). */
    public static final String UPLOAD_DEAD_LETTERS = "UploadDeadLetterQueue";
    /** The queue of webhooks that never got through, which the state machine sends to (WebhookDeadLetterQueue). */
    public static final String WEBHOOK_DEAD_LETTERS = "WebhookDeadLetterQueue";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    public LocalQueues(Path dir) {
        this.dir = dir;
    }

    /** Where every queue's file is. */
    public Path dir() {
        return dir;
    }

    public Path file(String queue) {
        if (!queue.matches("[A-Za-z0-9_-]{1,80}")) {
            throw new IllegalArgumentException("Not a queue name: " + queue);
        }
        return dir.resolve(queue + ".jsonl");
    }

    /** Appends one message; answers its id. */
    public synchronized String send(String queue, byte[] body, Map<String, String> attributes) {
        String messageId = UUID.randomUUID().toString();
        ObjectNode line = JSON.createObjectNode();
        line.put("messageId", messageId);
        line.put("queue", queue);
        line.put("sentAt", Instant.now().toString());
        line.put("md5OfBody", md5(body));
        line.set("body", parsedOrText(body));
        line.set("attributes", JSON.valueToTree(attributes));
        try {
            Files.createDirectories(dir);
            Files.write(file(queue), (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to the local queue " + file(queue), e);
        }
        return messageId;
    }

    /** Every message sent to the queue so far, oldest first (empty when none was). */
    public synchronized List<JsonNode> messages(String queue) {
        Path file = file(queue);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<JsonNode> messages = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    messages.add(JSON.readTree(line));
                }
            }
            return messages;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the local queue " + file, e);
        }
    }

    private static JsonNode parsedOrText(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            return JSON.readTree(text);
        } catch (IOException notJson) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    private static String md5(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides MD5", e);
        }
    }
}
