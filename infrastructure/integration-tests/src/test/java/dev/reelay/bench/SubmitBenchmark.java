package dev.reelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.DynamoDbApiKeys;
import dev.reelay.adapter.dynamodb.DynamoDbBudgets;
import dev.reelay.adapter.dynamodb.DynamoDbIdempotencyKeys;
import dev.reelay.adapter.dynamodb.DynamoDbTaskStore;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.image.FetchingImageSource;
import dev.reelay.adapter.s3.S3BucketReader;
import dev.reelay.adapter.s3.S3StagedInputs;
import dev.reelay.adapter.sfn.StepFunctionsWorkflow;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.QueuePolicy;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.config.ReelayConfig;
import dev.reelay.config.Wiring;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.Budgets;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.ImageSource;
import dev.reelay.port.StagedInputs;
import dev.reelay.port.TaskStore;
import dev.reelay.port.Workflow;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Submission latency and throughput on the local stack (BENCHMARKS.md, "Submit latency and throughput").
 * Usage: {@code SubmitBenchmark [seconds per run] [clients...]} (10 s; 1, 4 and 16 clients by default).
 * <p>
 * For each number of clients it sends, for a fixed time, first the baseline, {@code GET /v1/tasks/{id}} of one
 * task (the same HTTP API, authorizer and key, and one DynamoDB read: the lightest authenticated route; the usage
 * route is not, as it reads the month's tasks, which the run keeps adding), then valid submissions of a 320×320 PNG
 * ({@code file:} URL, allowed in local mode), each client sending its next request when the last is
 * answered. It reports requests per second, p50 and p99 for both, and the submission's as ratios to the baseline's.
 * <p>
 * Then it attributes the time inside one submission: it builds the same use case ({@link SubmitVideoGeneration})
 * on the stack's own clients and tables, with every port wrapped in a timing proxy (no timing code in
 * production), and submits serially and with 16 threads, interleaving a use case kept for all submissions (as
 * the functions run it) with a new one for each (which reads the owner's key every time, as before the budget
 * was kept per instance): a before-and-after in the same run. "Validation and pricing" is what is left:
 * parsing, the vendor table, the image check ({@link ImageRules#check}), the metric.
 * <p>
 * No render runs while it measures: the vendor has one slot ({@code --max-concurrency}) and the first task holds it
 * for an hour, so every other task's workflow waits for a slot, as a burst against a capped vendor does.
 */
public final class SubmitBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROVIDER = "kling";
    private static final String OWNER = "default";

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
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Integer> clientCounts = args.length > 1
                ? Arrays.stream(args).skip(1).map(Integer::parseInt).toList() : List.of(1, 4, 16);
        Path image = Files.createTempFile("reelay-bench", ".png");
        ImageIO.write(new BufferedImage(320, 320, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        LocalRuntime.Settings tests = LocalRuntime.Settings.forTests();
        SandboxSettings sandbox = tests.sandbox().withTiming(Duration.ofHours(1), 3);
        QueuePolicy queue = new QueuePolicy(Map.of(PROVIDER, 1), Duration.ofHours(6), Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ofHours(2));
        LocalRuntime.Settings settings = new LocalRuntime.Settings(null, sandbox, PollingPolicy.standard(), 0, Map.of(), true)
                .withQueue(queue);
        String body = JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "bench",
                "image_start", image.toUri().toString(), "duration", 5, "provider", PROVIDER));
        System.out.printf("submit: %d s per run, clients %s, a %d-byte 320x320 PNG as a file: URL, load %s%n",
                seconds, clientCounts, Files.size(image), loadAverage());
        Map<Integer, Run[]> results = new LinkedHashMap<>();
        try (LocalRuntime runtime = LocalRuntime.start(settings)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest submit = HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/videos/generations"))
                    .header("Authorization", "Bearer " + runtime.defaultApiKey()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> first = http.send(submit, HttpResponse.BodyHandlers.ofString());
            String taskId = JSON.readTree(first.body()).path("id").asText();
            // The baseline: reading one task, the lightest authenticated route (one DynamoDB read).
            HttpRequest read = HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/v1/tasks/" + taskId))
                    .header("Authorization", "Bearer " + runtime.defaultApiKey()).build();
            // Warm-up (class loading, JIT, connections, the authorizer's cache), not reported.
            run(http, read, 4, Math.max(2, seconds / 3));
            run(http, submit, 4, Math.max(2, seconds / 3));
            for (int clients : clientCounts) {
                Run baseline = run(http, read, clients, seconds);
                Run submissions = run(http, submit, clients, seconds);
                results.put(clients, new Run[]{baseline, submissions});
                System.out.printf("  %2d clients: GET /v1/tasks/{id} %s | POST /v1/videos/generations %s%n", clients, baseline, submissions);
                System.out.printf("              submit/get: throughput %.3f, p50 %.2f, p99 %.2f%n",
                        submissions.perSecond() / baseline.perSecond(), submissions.p50() / baseline.p50(),
                        submissions.p99() / baseline.p99());
            }
            // Same-run A/B of the budget kept per instance: "reading" builds a new use case for every submission,
            // so it reads the key each time, as before the change; "kept" is one use case, as the functions run it.
            // Interleaved in two rounds, so that drift in the machine's load falls on both alike.
            List<Map<String, double[]>> serialReading = new ArrayList<>();
            List<Map<String, double[]>> serialKept = new ArrayList<>();
            List<Map<String, double[]>> parallelReading = new ArrayList<>();
            List<Map<String, double[]>> parallelKept = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                serialReading.add(breakdown(runtime, image, 1, 100, true));
                serialKept.add(breakdown(runtime, image, 1, 100, false));
                parallelReading.add(breakdown(runtime, image, 16, 200, true));
                parallelKept.add(breakdown(runtime, image, 16, 200, false));
            }
            Map<String, double[]> serial = average(serialKept);
            Map<String, double[]> parallel = average(parallelKept);
            Map<String, double[]> serialBefore = average(serialReading);
            Map<String, double[]> parallelBefore = average(parallelReading);
            System.out.println("  where the time goes inside one submission (the use case on the same stack; mean ms;"
                    + " key read on every submission -> budget kept, 1 thread | 16 threads):");
            serial.forEach((phase, ms) -> System.out.printf("    %-48s %8.2f -> %8.2f | %8.2f -> %8.2f%n", phase,
                    serialBefore.get(phase)[0], ms[0], parallelBefore.get(phase)[0], parallel.get(phase)[0]));
            Run one = results.get(clientCounts.get(0))[1];
            Run last = results.get(clientCounts.get(clientCounts.size() - 1))[1];
            StringBuilder line = new StringBuilder("BENCH submit");
            for (Map.Entry<Integer, Run[]> entry : results.entrySet()) {
                int c = entry.getKey();
                Run base = entry.getValue()[0];
                Run sub = entry.getValue()[1];
                line.append(String.format(" c%d_rps=%.1f c%d_p50_ms=%.1f c%d_p99_ms=%.1f c%d_rps_vs_get=%.3f c%d_p99_vs_get=%.2f",
                        c, sub.perSecond(), c, sub.p50(), c, sub.p99(), c, sub.perSecond() / base.perSecond(), c, sub.p99() / base.p99()));
            }
            line.append(String.format(" scaling_c%d_vs_c%d=%.2f", clientCounts.get(clientCounts.size() - 1), clientCounts.get(0),
                    last.perSecond() / one.perSecond()));
            serial.forEach((phase, ms) -> line.append(' ').append(key(phase)).append("_ms=").append(String.format("%.2f", ms[0])));
            parallel.forEach((phase, ms) -> line.append(' ').append(key(phase)).append("_16t_ms=").append(String.format("%.2f", ms[0])));
            line.append(String.format(" whole_use_case_reading_key_ms=%.2f whole_use_case_reading_key_16t_ms=%.2f",
                    serialBefore.get("whole use case")[0], parallelBefore.get("whole use case")[0]));
            line.append(" errors=").append(results.values().stream().mapToInt(r -> r[1].errors()).sum());
            System.out.println(line);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /** What one fixed-time run measured. */
    record Run(int answered, int errors, double seconds, long[] nanos) {
        double perSecond() {
            return answered / seconds;
        }

        double p50() {
            return percentile(0.50);
        }

        double p99() {
            return percentile(0.99);
        }

        double percentile(double p) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p * nanos.length) - 1;
            return nanos[Math.max(0, index)] / 1e6;
        }

        @Override
        public String toString() {
            return String.format("%6.1f req/s, p50 %6.1f ms, p99 %6.1f ms (%d answered, %d errors)",
                    perSecond(), p50(), p99(), answered, errors);
        }
    }

    /** {@code clients} threads, each sending {@code request} again as soon as it is answered, for {@code seconds}. */
    static Run run(HttpClient http, HttpRequest request, int clients, int seconds) throws InterruptedException {
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(clients);
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long sent = System.nanoTime();
                        try {
                            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                            if (answer.statusCode() == 200) {
                                latencies.add(System.nanoTime() - sent);
                                answered.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                                if (errors.get() <= 3) {
                                    System.out.println("  error " + answer.statusCode() + ": " + answer.body());
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "bench-client-" + i);
            client.start();
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Run(answered.get(), errors.get(), elapsed, sorted);
    }

    /**
     * The use case on the stack's clients with timed ports: {@code total} submissions over {@code threads}
     * threads. Answers the mean milliseconds per submission of each phase, in the order of the submission.
     */
    private static Map<String, double[]> average(List<Map<String, double[]>> runs) {
        Map<String, double[]> mean = new LinkedHashMap<>();
        runs.get(0).keySet().forEach(phase -> mean.put(phase,
                new double[]{runs.stream().mapToDouble(run -> run.get(phase)[0]).average().orElse(Double.NaN)}));
        return mean;
    }

    /** @param newUseCaseEach a new use case for every submission, so that it keeps nothing from one to the next */
    private static Map<String, double[]> breakdown(LocalRuntime runtime, Path image, int threads, int total,
                                                   boolean newUseCaseEach) throws Exception {
        ReelayConfig config = runtime.config();
        Clock clock = Clock.systemUTC();
        Phases phases = new Phases();
        var dynamo = runtime.dynamo().client();
        var s3 = runtime.s3().client();
        HttpTransport http = new HttpTransport(UrlConnectionHttpClient.builder().build());
        FetchingImageSource fetching = new FetchingImageSource(http, new S3BucketReader(s3), config.allowLocalImageSources(), (String) null);
        SecureRandom random = new SecureRandom();
        Supplier<String> taskIds = () -> "task-" + System.currentTimeMillis() / 1000 + "-bench" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
        // Registered in the order a submission calls them.
        ImageSource images = phases.timed(ImageSource.class, fetching.withDirectUploads(config.uploadsBucket(), clock),
                "image fetch", "fetch");
        // No Idempotency-Key is sent, as by most callers: no claim is made.
        IdempotencyKeys idempotency = new DynamoDbIdempotencyKeys(dynamo, config.tasksTable(), clock);
        ApiKeys apiKeys = phases.timed(ApiKeys.class, new DynamoDbApiKeys(dynamo, config.tasksTable(), random, clock),
                "API key's budget (DynamoDB read)", "findByName");
        Budgets budgets = phases.timed(Budgets.class, new DynamoDbBudgets(dynamo, config.tasksTable()),
                "budget reservation (DynamoDB write)", "reserve");
        StagedInputs inputs = phases.timed(StagedInputs.class, new S3StagedInputs(s3, runtime.s3().presigner(), config.uploadsBucket()),
                "staging the image (S3 PUT)", "stage");
        TaskStore store = phases.timed(TaskStore.class, new DynamoDbTaskStore(dynamo, config.tasksTable(), clock),
                "task record (DynamoDB write)", "create");
        Workflow workflow = phases.timed(Workflow.class, new StepFunctionsWorkflow(runtime.sfnClient(), config.requireStateMachineArn()),
                "execution start (Step Functions)", "start");
        var metrics = Wiring.metricsFiles(runtime.metricsDirectory());
        Supplier<SubmitVideoGeneration> useCase = () -> new SubmitVideoGeneration(
                new GenerationRequestParser(config.allowLocalImageSources(), new WebhookUrlRules(config.allowLocalWebhooks()), null),
                images, inputs, config.providers(), store, workflow, clock, taskIds, idempotency, apiKeys, budgets, metrics);
        SubmitVideoGeneration kept = useCase.get();
        Supplier<SubmitVideoGeneration> submitter = newUseCaseEach ? useCase : () -> kept;
        Object body = JSON.readValue(JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video", "prompt", "bench",
                "image_start", image.toUri().toString(), "duration", 5, "provider", PROVIDER)), Object.class);
        // Warm-up, then the measured submissions.
        for (int i = 0; i < 20; i++) {
            submitter.get().submit(OWNER, body);
        }
        phases.reset();
        AtomicLong totalNanos = new AtomicLong();
        AtomicInteger left = new AtomicInteger(total);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                while (left.getAndDecrement() > 0) {
                    SubmitVideoGeneration submit = submitter.get();
                    long start = System.nanoTime();
                    submit.submit(OWNER, body);
                    totalNanos.addAndGet(System.nanoTime() - start);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        Map<String, double[]> means = new LinkedHashMap<>();
        double timed = 0;
        for (String phase : phases.order) {
            double ms = phases.nanos.getOrDefault(phase, new AtomicLong()).get() / 1e6 / total;
            means.put(phase, new double[]{ms});
            timed += ms;
        }
        double all = totalNanos.get() / 1e6 / total;
        means.put("validation, pricing, image check, metric (rest)", new double[]{all - timed});
        means.put("whole use case", new double[]{all});
        return means;
    }

    /** Time spent in named port methods, summed over all threads. */
    static final class Phases {
        final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, AtomicLong> nanos = new ConcurrentHashMap<>();

        <T> T timed(Class<T> port, T real, String phase, String method) {
            order.add(phase);
            Object proxy = Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[]{port}, (self, m, args) -> {
                boolean measured = m.getName().equals(method);
                long start = System.nanoTime();
                try {
                    return m.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                } finally {
                    if (measured) {
                        nanos.computeIfAbsent(phase, p -> new AtomicLong()).addAndGet(System.nanoTime() - start);
                    }
                }
            });
            return port.cast(proxy);
        }

        void reset() {
            nanos.clear();
        }
    }

    /** A phase's name as a BENCH key: its words before any parenthesis, lower case, joined by underscores. */
    private static String key(String phase) {
        return phase.replaceAll("\\(.*", "").toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
