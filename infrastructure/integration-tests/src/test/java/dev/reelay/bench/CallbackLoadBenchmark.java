package dev.reelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.PollingPolicy;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.sandbox.SandboxSettings;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The callback path under load (BENCHMARKS.md, "Callback to billed under load"). Usage:
 * {@code CallbackLoadBenchmark [tasks] [provider]} (50 tasks on {@code unified}, which calls back).
 * <p>
 * Baseline, in the same run: three tasks alone, one after another. Then {@code tasks} tasks are submitted at
 * once and the vendor's sandbox holds every one until a common finish time ({@code SandboxFaults#finishAllAt}),
 * by which all are rendered: their final callbacks go out in the same 100 ms tick. For each task it reads
 * {@code provider_callback → billed} from the task's timeline (the confirmed final callback, then the
 * download, archive to S3 and settlement) and reports p50 and p99, and both as ratios to the baseline's median;
 * and the same from the vendor's finish time, which every task has. Status checks wait 10 minutes, so that
 * only the callbacks end the waits.
 */
public final class CallbackLoadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) {
        try {
            measure(args);
        } catch (Throwable failed) {
            failed.printStackTrace();
            System.exit(1); // DynamoDB Local leaves a thread behind: without this the build would wait for ever
        }
        System.exit(0);
    }

    private static void measure(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        String provider = args.length > 1 ? args[1] : "unified";
        Path image = Files.createTempFile("reelay-bench", ".png");
        ImageIO.write(new BufferedImage(320, 320, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        SandboxSettings sandbox = tests.sandbox().withTiming(Duration.ofSeconds(1), 3);
        // Status checks only after 10 minutes: no poll races the callbacks (with production polling the first
        // check falls at the vendor's estimate, which is the common finish time itself).
        PollingPolicy noEarlyPolls = new PollingPolicy(600, 900, 1.5, Duration.ofHours(1), 200);
        LocalRuntime.Settings settings = new LocalRuntime.Settings(null, sandbox, noEarlyPolls, 0, Map.of(), true);
        System.out.printf("callback-load: %d tasks on %s finishing together, load %s%n", tasks, provider, SubmitBenchmark.loadAverage());
        try (LocalRuntime runtime = LocalRuntime.start(settings)) {
            // Baseline: a task alone, finishing 6 s after it is sent, three times (the first also warms the path up).
            List<Long> alone = new ArrayList<>();
            List<Long> aloneFromFinish = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Instant finishAlone = Instant.now().plusSeconds(6);
                runtime.sandbox(provider).faults().finishAllAt(finishAlone);
                JsonNode task = awaitEnd(runtime, submit(runtime, image, provider), Duration.ofMillis(200));
                Map<String, Instant> at = times(task);
                requireCompleted(task);
                aloneFromFinish.add(Duration.between(finishAlone, at.get("billed")).toMillis());
                if (at.containsKey("provider_callback")) {
                    alone.add(Duration.between(at.get("provider_callback"), at.get("billed")).toMillis());
                }
            }
            long baseline = alone.isEmpty() ? -1 : sorted(alone).get(alone.size() / 2);
            long baselineFromFinish = sorted(aloneFromFinish).get(1);
            System.out.printf("  baseline, one task alone (3 runs): provider_callback -> billed %s ms, median %d ms;"
                    + " vendor finish -> billed %s ms, median %d ms%n", alone, baseline, aloneFromFinish, baselineFromFinish);

            // The burst: every task completes at the same instant, well after all are rendered.
            Duration lead = Duration.ofSeconds(20 + tasks * 4L / 5);
            Instant finish = Instant.now().plus(lead);
            runtime.sandbox(provider).faults().finishAllAt(finish);
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Future<String>> submitted = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                submitted.add(senders.submit(() -> submit(runtime, image, provider)));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> id : submitted) {
                ids.add(id.get());
            }
            senders.shutdown();
            Instant allSubmitted = Instant.now();
            System.out.printf("  %d tasks submitted in %d ms; the vendor finishes them all at +%d s%n", tasks,
                    Duration.between(finish.minus(lead), allSubmitted).toMillis(), lead.toSeconds());
            // Nothing of ours touches the stack until the burst should be over: no status polling during it.
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), finish).toMillis()) + 5000);
            runtime.sandbox(provider).faults().finishAllAt(null);
            List<Long> latencies = new ArrayList<>();
            List<Long> fromFinish = new ArrayList<>();
            int withoutCallbackEvent = 0;
            Instant firstCallback = Instant.MAX;
            Instant lastCallback = Instant.MIN;
            Instant lastBilled = Instant.MIN;
            int late = 0;
            for (String id : ids) {
                JsonNode task = awaitEnd(runtime, id, Duration.ofMillis(500));
                Map<String, Instant> at = times(task);
                requireCompleted(task);
                fromFinish.add(Duration.between(finish, at.get("billed")).toMillis());
                lastBilled = at.get("billed").isAfter(lastBilled) ? at.get("billed") : lastBilled;
                Instant callback = at.get("provider_callback");
                if (callback == null) {
                    withoutCallbackEvent++;
                    System.out.printf("  task %s has no provider_callback event: %s%n", id, task.path("timeline"));
                    continue;
                }
                late += callback.isAfter(finish.plusSeconds(1)) ? 1 : 0;
                firstCallback = callback.isBefore(firstCallback) ? callback : firstCallback;
                lastCallback = callback.isAfter(lastCallback) ? callback : lastCallback;
                latencies.add(Duration.between(callback, at.get("billed")).toMillis());
            }
            List<Long> sorted = sorted(latencies);
            long p50 = percentile(sorted, 0.50);
            long p99 = percentile(sorted, 0.99);
            List<Long> sortedFromFinish = sorted(fromFinish);
            long finishP50 = percentile(sortedFromFinish, 0.50);
            long finishP99 = percentile(sortedFromFinish, 0.99);
            long spread = latencies.isEmpty() ? -1 : Duration.between(firstCallback, lastCallback).toMillis();
            long drain = latencies.isEmpty() ? -1 : Duration.between(firstCallback, lastBilled).toMillis();
            System.out.printf("  final callbacks arrived within %d ms of each other (%d more than 1 s after the finish time)%n", spread, late);
            System.out.printf("  provider_callback -> billed over %d tasks: p50 %d ms (%.2f x alone), p99 %d ms (%.2f x alone), max %d ms%n",
                    tasks, p50, p50 / (double) baseline, p99, p99 / (double) baseline, percentile(sorted, 1.0));
            System.out.printf("  vendor finish -> billed over %d tasks: p50 %d ms (%.2f x alone), p99 %d ms (%.2f x alone)%n",
                    tasks, finishP50, finishP50 / (double) baselineFromFinish, finishP99, finishP99 / (double) baselineFromFinish);
            System.out.printf("  first callback -> last task billed: %d ms; tasks without a provider_callback event: %d%n",
                    drain, withoutCallbackEvent);
            System.out.printf("BENCH callback_load tasks=%d provider=%s p50_ms=%d p99_ms=%d max_ms=%d alone_ms=%d p50_vs_alone=%.2f"
                            + " p99_vs_alone=%.2f finish_p50_ms=%d finish_p99_ms=%d finish_alone_ms=%d finish_p99_vs_alone=%.2f"
                            + " callback_spread_ms=%d drain_ms=%d late_callbacks=%d without_callback_event=%d%n",
                    tasks, provider, p50, p99, percentile(sorted, 1.0), baseline, p50 / (double) baseline,
                    p99 / (double) baseline, finishP50, finishP99, baselineFromFinish, finishP99 / (double) baselineFromFinish,
                    spread, drain, late, withoutCallbackEvent);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    private static void requireCompleted(JsonNode task) {
        if (!task.path("status").asText().equals("completed")) {
            throw new IllegalStateException("Task " + task.path("id").asText() + " did not complete: " + task);
        }
    }

    private static List<Long> sorted(List<Long> values) {
        return values.stream().sorted().toList();
    }

    /** Nearest rank. */
    private static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? -1 : sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static String submit(LocalRuntime runtime, Path image, String provider) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "bench",
                "image_start", image.toUri().toString(), "duration", 5, "provider", provider));
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                .header("Authorization", "Bearer " + runtime.defaultApiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("Submission refused: " + answer.body());
        }
        return JSON.readTree(answer.body()).path("id").asText();
    }

    private static JsonNode awaitEnd(LocalRuntime runtime, String id, Duration pause) throws Exception {
        while (true) {
            JsonNode task = JSON.readTree(HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + id))
                    .header("Authorization", "Bearer " + runtime.defaultApiKey()).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (task.path("status").asText().matches("completed|failed|cancelled")) {
                return task;
            }
            Thread.sleep(pause.toMillis());
        }
    }

    private static Map<String, Instant> times(JsonNode task) {
        Map<String, Instant> at = new HashMap<>();
        task.path("timeline").forEach(e -> at.putIfAbsent(e.path("event").asText(), Instant.parse(e.path("at").asText())));
        return at;
    }
}
