package dev.reelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.LocalRuntime;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs tasks one after another on the local stack (test settings: 1 s sandbox render delay, 320 px
 * renders, polls every 1 to 2 s) and reports where the time goes, from each task's own timeline.
 * Usage: {@code LocalLatencyBenchmark <tasks> [provider...]}: the unified aggregator calls back, APIMart is polled.
 */
public final class LocalLatencyBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        java.util.List<String> providers = args.length > 1 ? java.util.List.of(args).subList(1, args.length) : java.util.List.of("unified", "apimart");
        Path image = Files.createTempFile("reelay-bench", ".png");
        ImageIO.write(new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Long> totals = new HashMap<>();
        long startup = System.nanoTime();
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Settings.forTests())) {
            System.out.printf("local stack start: %d ms%n", (System.nanoTime() - startup) / 1_000_000);
            for (String provider : providers) {
            for (int i = 0; i < tasks; i++) {
                String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "bench",
                        "image_start", image.toUri().toString(), "duration", 5, "provider", provider));
                HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations")).header("Authorization", "Bearer " + runtime.defaultApiKey())
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                String id = JSON.readTree(submitted.body()).path("id").asText();
                JsonNode task;
                do {
                    Thread.sleep(100);
                    task = JSON.readTree(http.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + id)).header("Authorization", "Bearer " + runtime.defaultApiKey()).build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                } while (!task.path("status").asText().matches("completed|failed"));
                Map<String, Instant> at = new HashMap<>();
                task.path("timeline").forEach(e -> at.put(e.path("event").asText(), Instant.parse(e.path("at").asText())));
                add(totals, provider + ": accepted -> provider_submitted", at.get("accepted"), at.get("provider_submitted"));
                add(totals, provider + ": provider_submitted -> provider_completed", at.get("provider_submitted"), at.get("provider_completed"));
                add(totals, provider + ": provider_completed -> billed (archive + settle)", at.get("provider_completed"), at.get("billed"));
                add(totals, provider + ": accepted -> billed", at.get("accepted"), at.get("billed"));
                if (at.containsKey("provider_callback")) {
                    add(totals, provider + ": provider_callback -> billed (render done -> completed)", at.get("provider_callback"), at.get("billed"));
                }
            }
            }
        } finally {
            Files.deleteIfExists(image);
        }
        new java.util.TreeMap<>(totals).forEach((phase, millis) -> System.out.printf("%-66s mean %6d ms over %d tasks%n", phase, millis / tasks, tasks));
        System.exit(0); // DynamoDB Local leaves a thread behind
    }

    private static void add(Map<String, Long> totals, String phase, Instant from, Instant to) {
        totals.merge(phase, Duration.between(from, to).toMillis(), Long::sum);
    }
}
