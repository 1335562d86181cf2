package dev.reelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.sfn.StepFunctionsWorkflow;
import dev.reelay.application.PollingPolicy;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.lambda.LocalArns;
import dev.reelay.local.sandbox.SandboxSettings;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.RoundingMode;
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
 * The queue and the callback path, measured on the local stack (docs/queue.md, BENCHMARKS.md).
 * <ul>
 *   <li>{@code drain [tasks] [cap] [renderSeconds]}: a burst of tasks against one vendor capped at
 *   {@code cap} slots (its sandbox account refuses more too), each render taking {@code renderSeconds}.
 *   It reports the makespan against the ideal ({@code ceil(tasks / cap) × render}, the baseline), slot
 *   utilisation, failures, and state transitions per task.</li>
 *   <li>{@code callback [renderSeconds]}: one task per vendor at once, each render taking
 *   {@code renderSeconds} (180 by default), with production polling (10 s backing off to 60 s). Kling and
 *   the unified aggregator call back; APIMart and the gateway are polled. It reports the time from the
 *   end of the render to the task being billed, and state transitions per task.</li>
 * </ul>
 * State transitions are the {@code *StateEntered} events of each execution's history, which is what
 * AWS bills a Standard workflow for ({@link #USD_PER_TRANSITION}).
 */
public final class QueueBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Step Functions Standard: USD 0.025 per 1,000 state transitions (us-east-1, beyond the free tier). */
    static final BigDecimal USD_PER_TRANSITION = new BigDecimal("0.000025");

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "drain";
        Path image = Files.createTempFile("reelay-bench", ".png");
        ImageIO.write(new BufferedImage(960, 540, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        try {
            switch (mode) {
                case "drain" -> drain(image, arg(args, 1, 60), arg(args, 2, 4), arg(args, 3, 5));
                case "callback" -> callback(image, arg(args, 1, 180));
                default -> throw new IllegalArgumentException("mode is drain or callback, not " + mode);
            }
        } finally {
            Files.deleteIfExists(image);
        }
        System.exit(0); // DynamoDB Local leaves a thread behind
    }

    private static int arg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }

    private static void drain(Path image, int tasks, int cap, int renderSeconds) throws Exception {
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        SandboxSettings sandbox = tests.sandbox().withTiming(Duration.ofSeconds(renderSeconds), 3).withMaxParallelTasks(cap);
        LocalRuntime.Settings settings = new LocalRuntime.Settings(null, sandbox, tests.polling(), 0, Map.of(), true)
                .withMaxConcurrency(Map.of("kling", cap));
        try (LocalRuntime runtime = LocalRuntime.start(settings)) {
            List<JsonNode> ended = burst(runtime, image, "kling", tasks);
            Instant firstAccepted = Instant.MAX;
            Instant lastBilled = Instant.MIN;
            Instant firstSubmitted = Instant.MAX;
            Instant lastCompleted = Instant.MIN;
            long heldMillis = 0;
            int failures = 0;
            int queued = 0;
            int refused = 0;
            for (JsonNode task : ended) {
                Map<String, Instant> at = times(task);
                if (!task.path("status").asText().equals("completed")) {
                    failures++;
                    continue;
                }
                queued += at.containsKey("queued") ? 1 : 0;
                refused += at.containsKey("provider_refused") ? 1 : 0;
                firstAccepted = min(firstAccepted, at.get("accepted"));
                lastBilled = max(lastBilled, at.get("billed"));
                firstSubmitted = min(firstSubmitted, at.get("provider_submitted"));
                lastCompleted = max(lastCompleted, at.get("provider_completed"));
                heldMillis += Duration.between(at.get("provider_submitted"), at.get("provider_completed")).toMillis();
            }
            long ideal = (long) Math.ceil(tasks / (double) cap) * renderSeconds * 1000L;
            long makespan = Duration.between(firstAccepted, lastBilled).toMillis();
            long vendorSpan = Duration.between(firstSubmitted, lastCompleted).toMillis();
            System.out.printf("drain: %d tasks, kling capped at %d (its sandbox account refuses a %dth), %d s renders%n",
                    tasks, cap, cap + 1, renderSeconds);
            System.out.printf("  ideal makespan (baseline): ceil(%d / %d) x %d s = %d ms%n", tasks, cap, renderSeconds, ideal);
            System.out.printf("  makespan, first accepted -> last billed: %d ms = %.3f x ideal%n", makespan, makespan / (double) ideal);
            System.out.printf("  vendor span, first submitted -> last completed: %d ms = %.3f x ideal%n", vendorSpan, vendorSpan / (double) ideal);
            System.out.printf("  slot utilisation (job time / (cap x vendor span)): %.1f %%%n", 100.0 * heldMillis / (cap * (double) vendorSpan));
            System.out.printf("  failures: %d; tasks that waited (queued): %d; refused by the vendor: %d; vendor's peak of parallel jobs: %d%n",
                    failures, queued, refused, runtime.sandbox("kling").peakParallelJobs());
            transitions(runtime, ended, "drain");
        }
    }

    private static void callback(Path image, int renderSeconds) throws Exception {
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        SandboxSettings sandbox = tests.sandbox().withTiming(Duration.ofSeconds(renderSeconds), 5);
        LocalRuntime.Settings settings = new LocalRuntime.Settings(null, sandbox, PollingPolicy.standard(), 0, Map.of(), true);
        List<String> providers = List.of("kling", "unified", "apimart", "gateway");
        try (LocalRuntime runtime = LocalRuntime.start(settings)) {
            ExecutorService senders = Executors.newFixedThreadPool(providers.size());
            List<Future<JsonNode>> runs = new ArrayList<>();
            for (String provider : providers) {
                runs.add(senders.submit(() -> end(runtime, submit(runtime, image, provider))));
            }
            System.out.printf("callback: one task per vendor at once, %d s renders, production polling (10 s backing off to 60 s)%n",
                    renderSeconds);
            List<JsonNode> ended = new ArrayList<>();
            for (int i = 0; i < providers.size(); i++) {
                JsonNode task = runs.get(i).get();
                ended.add(task);
                Map<String, Instant> at = times(task);
                // The sandbox starts its render clock when it takes the job, just before provider_submitted.
                Instant renderDone = at.get("provider_submitted").plusSeconds(renderSeconds);
                System.out.printf("  %-8s %-9s render done -> billed: %6d ms; provider_callback -> billed: %s; status %s%n",
                        providers.get(i), at.containsKey("provider_callback") ? "callback" : "polling",
                        Duration.between(renderDone, at.get("billed")).toMillis(),
                        at.containsKey("provider_callback") ? Duration.between(at.get("provider_callback"), at.get("billed")).toMillis() + " ms" : "-",
                        task.path("status").asText());
            }
            senders.shutdown();
            for (int i = 0; i < providers.size(); i++) {
                transitions(runtime, List.of(ended.get(i)), providers.get(i));
            }
        }
    }

    /** State transitions per task from the executions' histories, and what they cost at the Standard price. */
    private static void transitions(LocalRuntime runtime, List<JsonNode> tasks, String label) {
        String machine = LocalArns.stateMachine(LocalRuntime.STATE_MACHINE);
        long total = 0;
        for (JsonNode task : tasks) {
            String arn = StepFunctionsWorkflow.executionArn(machine, task.path("id").asText());
            total += runtime.sfnClient().getExecutionHistory(h -> h.executionArn(arn)).events().stream()
                    .filter(event -> event.typeAsString().endsWith("StateEntered")).count();
        }
        BigDecimal perTask = BigDecimal.valueOf(total).divide(BigDecimal.valueOf(tasks.size()), 1, RoundingMode.HALF_UP);
        System.out.printf("  %s: state transitions per task %s; orchestration cost per task USD %s (per 1,000 tasks USD %s)%n",
                label, perTask, perTask.multiply(USD_PER_TRANSITION).setScale(6, RoundingMode.HALF_UP),
                perTask.multiply(USD_PER_TRANSITION).multiply(BigDecimal.valueOf(1000)).setScale(3, RoundingMode.HALF_UP));
    }

    private static List<JsonNode> burst(LocalRuntime runtime, Path image, String provider, int tasks) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(Math.min(tasks, 16));
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                ids.add(senders.submit(() -> submit(runtime, image, provider)));
            }
            List<JsonNode> ended = new ArrayList<>();
            for (Future<String> id : ids) {
                ended.add(end(runtime, id.get()));
            }
            return ended;
        } finally {
            senders.shutdownNow();
        }
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

    private static JsonNode end(LocalRuntime runtime, String id) throws Exception {
        while (true) {
            JsonNode task = JSON.readTree(HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + id))
                    .header("Authorization", "Bearer " + runtime.defaultApiKey()).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (task.path("status").asText().matches("completed|failed|cancelled")) {
                return task;
            }
            Thread.sleep(200);
        }
    }

    private static Map<String, Instant> times(JsonNode task) {
        Map<String, Instant> at = new HashMap<>();
        task.path("timeline").forEach(e -> at.putIfAbsent(e.path("event").asText(), Instant.parse(e.path("at").asText())));
        return at;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
