package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.reelay.domain.webhook.StandardWebhooksVerifier;
import dev.reelay.local.backend.EndToEnd;
import dev.reelay.local.backend.TestBackend;
import dev.reelay.local.sandbox.SelfSignedTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The user's webhook on the local stack: delivered after billing, signed, retried, every attempt on the timeline. */
@EndToEnd
class WebhooksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    record Delivery(int answered, Map<String, String> headers, byte[] body) {
    }

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static HttpServer receiver;
    private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private static final AtomicInteger failuresToGo = new AtomicInteger();
    private static Path image;

    @BeforeAll
    static void start() throws Exception {
        runtime = TestBackend.start(LocalRuntime.Settings.forTests());
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = failuresToGo.getAndDecrement() > 0 ? 500 : 204;
            deliveries.add(new Delivery(status, Map.of(
                    "webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature")), body));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        image = dir.resolve("frame.png");
        ImageIO.write(new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void aReceiverThatFailsTwiceGetsExactlyOneSuccessfulSignedDeliveryOfTheTaskObject() throws Exception {
        deliveries.clear();
        failuresToGo.set(2);
        String callbackUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";

        String taskId = submit(Map.of("callback_url", callbackUrl));
        JsonNode task = awaitWebhookOutcome(taskId);

        assertThat(deliveries).extracting(Delivery::answered).containsExactly(500, 500, 204);
        Delivery delivered = deliveries.get(2);
        assertThat(verify(runtime.webhookSecret().secret(), delivered)).as("signature").isTrue();
        JsonNode body = JSON.readTree(delivered.body());
        assertThat(body.path("id").asText()).isEqualTo(taskId);
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("result").path("sha256").asText()).isEqualTo(task.path("result").path("sha256").asText());
        assertThat(delivered.headers().get("webhook-id")).isEqualTo("msg_" + taskId);
        assertThat(events(task)).endsWith("billed", "webhook_attempt_failed", "webhook_attempt_failed", "webhook_delivered");
    }

    @Test
    void aWebhookThatNeverGetsThroughLandsInTheWebhookDeadLetterQueueWithItsTask() throws Exception {
        deliveries.clear();
        failuresToGo.set(1_000);
        String callbackUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks?dead-letter";
        try {
            String taskId = submit(Map.of("callback_url", callbackUrl));
            JsonNode task = awaitWebhookOutcome(taskId);

            assertThat(events(task)).endsWith("webhook_attempt_failed", "webhook_attempt_failed", "webhook_attempt_failed",
                    "webhook_attempt_failed", "webhook_gave_up");
            JsonNode letter = awaitDeadLetter(taskId);
            assertThat(letter.path("queue").asText()).isEqualTo("WebhookDeadLetterQueue");
            JsonNode body = letter.path("body");
            assertThat(body.path("callback_url").asText()).isEqualTo(callbackUrl);
            assertThat(body.path("task_status").asText()).isEqualTo("completed");
            assertThat(body.path("attempts").asInt()).isEqualTo(4);
            assertThat(body.path("last_error").path("Error").asText()).isEqualTo("WebhookGaveUp");
            assertThat(body.path("last_error").path("Cause").asText()).startsWith("attempt 4: ").contains("500");
            assertThat(deliveries).hasSize(4).extracting(Delivery::answered).containsOnly(500);
            Thread.sleep(500);
            assertThat(runtime.queues().messages("WebhookDeadLetterQueue").stream()
                    .filter(m -> m.path("body").path("taskId").asText().equals(taskId))).as("queued once").hasSize(1);
            String executionArn = runtime.config().requireStateMachineArn().replace(":stateMachine:", ":execution:") + ":" + taskId;
            String status = "RUNNING";
            for (int i = 0; i < 40 && status.equals("RUNNING"); i++) {
                Thread.sleep(i == 0 ? 0 : 100);
                status = runtime.sfnClient().describeExecution(d -> d.executionArn(executionArn)).statusAsString();
            }
            assertThat(status).as("a billed task's execution still succeeds").isEqualTo("SUCCEEDED");
        } finally {
            failuresToGo.set(0);
        }
    }

    @Test
    void anHttpsReceiverGetsExactlyOneValidSignedDelivery() throws Exception {
        SelfSignedTls certificate = SelfSignedTls.generate();
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(certificate.sslContext()));
        List<Delivery> received = new CopyOnWriteArrayList<>();
        https.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Delivery(200, Map.of(
                    "webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature")), body));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        https.start();
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        Map<String, String> env = Map.of("REELAY_WEBHOOK_CA_PEM", certificate.certificatePem().toString());
        try (LocalRuntime trusting = TestBackend.start(new LocalRuntime.Settings(null, tests.sandbox(), tests.polling(), 0, env, true))) {
            String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "https webhook",
                    "image_start", image.toUri().toString(), "duration", 3, "provider", "unified",
                    "callback_url", "https://127.0.0.1:" + https.getAddress().getPort() + "/hooks"));
            String taskId = JSON.readTree(HTTP.send(HttpRequest.newBuilder(trusting.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + trusting.defaultApiKey())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("id").asText();
            for (int i = 0; i < 240 && received.isEmpty(); i++) {
                Thread.sleep(250);
            }
            Thread.sleep(1500); // a second delivery, if any, would come within the retry schedule's first step
            assertThat(received).hasSize(1);
            assertThat(verify(trusting.webhookSecret().secret(), received.get(0))).isTrue();
            assertThat(JSON.readTree(received.get(0).body()).path("id").asText()).isEqualTo(taskId);
            assertThat(JSON.readTree(received.get(0).body()).path("status").asText()).isEqualTo("completed");
        } finally {
            https.stop(0);
            certificate.delete();
        }
    }

    @Test
    void aFailedTaskIsReportedToo() throws Exception {
        deliveries.clear();
        failuresToGo.set(0);
        runtime.sandbox("unified").faults().failAfterAcceptance(1, new dev.reelay.local.sandbox.SandboxFaults.LateFailure(
                "content_policy_violation", "Blocked by the content policy"));

        String taskId = submit(Map.of("callback_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks"));
        JsonNode task = awaitWebhookOutcome(taskId);

        assertThat(task.path("status").asText()).isEqualTo("failed");
        assertThat(deliveries).hasSize(1);
        assertThat(verify(runtime.webhookSecret().secret(), deliveries.get(0))).isTrue();
        assertThat(JSON.readTree(deliveries.get(0).body()).path("error").path("message").asText()).contains("Blocked by the content policy");
    }

    @Test
    void internalPlainHttpAndOverLongCallbackUrlsAreRefusedOnAStrictStack() throws Exception {
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        // Only the parser's rules differ with allowLocalWebhooks off: checked through the same HTTP API.
        try (LocalRuntime strict = TestBackend.start(new LocalRuntime.Settings(null, tests.sandbox(), tests.polling(), 0, Map.of(), false))) {
            for (String url : List.of("https://127.0.0.1/hook", "https://169.254.169.254/latest", "https://[::1]/x",
                    "http://hooks.example.com/done", "https://hooks.example.com/" + "a".repeat(2100))) {
                HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(strict.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + strict.defaultApiKey())
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                                Map.of("model", "kling-v3-image-to-video", "image_start", image.toUri().toString(), "callback_url", url))))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(url).isEqualTo(400);
                assertThat(JSON.readTree(refused.body()).path("error").path("param").asText()).isEqualTo("callback_url");
            }
        }
    }

    /** The signature, checked by the tests' own Standard Webhooks verifier (no code shared with the signer). */
    private static boolean verify(String secret, Delivery delivery) {
        return StandardWebhooksVerifier.verifies(secret, delivery.headers(), delivery.body(), Instant.now().getEpochSecond());
    }

    private static String submit(Map<String, String> extra) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "webhooks",
                "image_start", image.toUri().toString(), "duration", 3, "provider", "unified"));
        body.putAll(extra);
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("id").asText();
    }

    /** Until the webhook was delivered or given up (the task itself ends before its webhook goes out). */
    private static JsonNode awaitWebhookOutcome(String taskId) throws Exception {
        for (int i = 0; i < 240; i++) {
            JsonNode task = JSON.readTree(HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId)).header("Authorization", "Bearer " + runtime.defaultApiKey()).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (events(task).contains("webhook_delivered") || events(task).contains("webhook_gave_up")) {
                return task;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("No webhook outcome for " + taskId);
    }

    private static JsonNode awaitDeadLetter(String taskId) throws InterruptedException {
        for (int i = 0; i < 120; i++) {
            for (JsonNode message : runtime.queues().messages("WebhookDeadLetterQueue")) {
                if (message.path("body").path("taskId").asText().equals(taskId)) {
                    return message;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("No dead letter for " + taskId + " in " + runtime.queues().dir());
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }
}
