package dev.reelay.application;

import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.upload.UploadKey;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.ImageSource;
import dev.reelay.port.WebhookSender;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.FixedWebhookSecret;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryBatchRequests;
import dev.reelay.testing.InMemoryBatchStore;
import dev.reelay.testing.InMemoryBudgets;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.InMemoryUploadedObjects;
import dev.reelay.testing.MutableClock;
import dev.reelay.testing.Providers;
import dev.reelay.testing.RecordingBatchWorkflow;
import dev.reelay.testing.RecordingMetrics;
import dev.reelay.testing.RecordingWorkflow;
import dev.reelay.testing.TestImages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The batch use cases wired together on in-memory ports, with the real parser, pricing, budgets,
 * task submission and cancel: what the batch tests share. Images are served from {@link #images};
 * {@link #flaky} locations fail transiently once each; {@link #onNewTask} runs as each task id is
 * taken (a test moves the clock there); webhook answers come from {@link #webhookAnswers}
 * (delivered when it is empty) and every attempt is kept in {@link #sent}.
 */
final class BatchRig {
    static final String BUCKET = "reelay-uploads";
    static final String ARCHIVE_BUCKET = "reelay-archive";
    static final String OWNER = "default";
    static final String MODEL = "kling-v3-image-to-video";
    static final String IMAGE = "https://images.example.com/beach-1280x720.jpg";
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final Duration POLL = Duration.ofSeconds(30);
    static final Duration CREATION_BUDGET = Duration.ofSeconds(40);
    static final WebhookSchedule SCHEDULE = new WebhookSchedule(List.of(5, 60));

    record Sent(URI url, Map<String, String> headers, byte[] body) {
    }

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T02:00:00Z"));
    final InMemoryBudgets budgets = new InMemoryBudgets();
    final InMemoryTaskStore tasks = new InMemoryTaskStore(budgets);
    final InMemoryApiKeys keys = new InMemoryApiKeys();
    final InMemoryArchive archive = new InMemoryArchive();
    final InMemoryUploadedObjects uploads = new InMemoryUploadedObjects(BUCKET, archive.objects);
    final FakeProvider provider = new FakeProvider("unified");
    final RecordingWorkflow workflow = new RecordingWorkflow();
    final InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
    final InMemoryBatchStore batches = new InMemoryBatchStore();
    final InMemoryBatchRequests requests = new InMemoryBatchRequests();
    final RecordingBatchWorkflow batchWorkflow = new RecordingBatchWorkflow();
    final RecordingMetrics metrics = new RecordingMetrics();
    final Map<String, byte[]> images = new ConcurrentHashMap<>();
    final Map<String, Integer> flaky = new ConcurrentHashMap<>();
    final List<String> fetched = new ArrayList<>();
    final List<Sent> sent = new ArrayList<>();
    final Deque<WebhookSender.Result> webhookAnswers = new ArrayDeque<>();
    final List<String> taskIds = new ArrayList<>();
    final List<String> batchIds = new ArrayList<>();
    Runnable onNewTask = () -> { };
    private final AtomicInteger taskCount = new AtomicInteger();
    private final AtomicInteger batchCount = new AtomicInteger();

    final GetTask getTask = new GetTask(tasks, archive, Duration.ofMinutes(10), clock);
    final CancelTask cancelTask = new CancelTask(tasks, Providers.router(provider), workflow, getTask, clock, metrics);
    final CreateBatch createBatch;
    final AdvanceBatch advance;
    final ReadBatches reads = new ReadBatches(batches, tasks, getTask);
    final CancelBatch cancelBatch = new CancelBatch(batches, reads, cancelTask, tasks, clock, Duration.ofSeconds(20));
    final StartBatchFromManifest fromManifest;

    BatchRig() {
        try {
            images.put(IMAGE, TestImages.jpeg(1280, 720));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keys.create(OWNER, null);
        ImageSource source = new ImageSource() {
            @Override
            public byte[] fetch(String field, String location, long maxBytes) {
                fetched.add(location);
                if (flaky.computeIfPresent(location, (l, left) -> left - 1) != null && flaky.get(location) >= 0) {
                    throw new TransientFailureException("image_unavailable", location + " answered 503");
                }
                byte[] image = images.get(location);
                if (image == null) {
                    throw new dev.reelay.domain.error.InvalidRequestException(field, "image_unreachable", "no image at " + location);
                }
                return image;
            }

            @Override
            public void checkPublicAddress(String field, String url) {
            }
        };
        String manifestImages = "s3://" + BUCKET + "/" + UploadKey.BATCHES;
        SubmitVideoGeneration api = new SubmitVideoGeneration(new GenerationRequestParser(), source, archive.inputs(),
                Providers.table(provider), tasks, workflow, clock, this::nextTaskId, idempotency, keys, budgets, metrics);
        SubmitVideoGeneration manifest = new SubmitVideoGeneration(
                new GenerationRequestParser(false, WebhookUrlRules.STRICT, manifestImages), source, archive.inputs(),
                Providers.table(provider), tasks, workflow, clock, this::nextTaskId, idempotency, keys, budgets, metrics);
        createBatch = new CreateBatch(batches, requests, batchWorkflow, idempotency, WebhookUrlRules.STRICT, clock, this::nextBatchId);
        advance = new AdvanceBatch(batches, requests, tasks, new AdvanceBatch.Submissions(api, manifest), cancelTask, uploads,
                ARCHIVE_BUCKET, new FixedWebhookSecret(SECRET), (url, headers, body) -> {
                    sent.add(new Sent(url, Map.copyOf(headers), body));
                    WebhookSender.Result answer = webhookAnswers.poll();
                    return answer == null ? WebhookSender.Result.delivered(204) : answer;
                }, WebhookUrlRules.STRICT, SCHEDULE, POLL, CREATION_BUDGET, clock);
        fromManifest = new StartBatchFromManifest(createBatch, uploads, keys, clock);
    }

    private String nextTaskId() {
        onNewTask.run();
        String id = "task-1795399200-" + String.format("%012d", taskCount.incrementAndGet());
        taskIds.add(id);
        return id;
    }

    private String nextBatchId() {
        String id = "batch-1795399200-" + String.format("%012d", batchCount.incrementAndGet());
        batchIds.add(id);
        return id;
    }

    /** A generation body as the single API takes it: the sample image, {@code duration} seconds at 720p. */
    static Map<String, Object> request(String prompt, int duration) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", MODEL);
        body.put("prompt", prompt);
        body.put("image_start", IMAGE);
        body.put("duration", duration);
        body.put("quality", "720p");
        return body;
    }

    /** A {@code POST /v1/batches} body. */
    static Map<String, Object> batchBody(List<?> requests, String callbackUrl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requests", requests);
        if (callbackUrl != null) {
            body.put("callback_url", callbackUrl);
        }
        return body;
    }

    Task task(String taskId) {
        return tasks.find(taskId).orElseThrow();
    }

    /** The task completes as the workflow would end it: archived, then charged its quote. */
    Quote complete(String taskId) {
        Task task = task(taskId);
        tasks.recordResult(taskId, new TaskResult("videos/" + taskId + ".mp4", "00ff", 8, task.request().durationSeconds()),
                TimelineEvent.of(TimelineEvent.ARCHIVED, clock.instant()));
        tasks.settle(taskId, task.quote(), TimelineEvent.of(TimelineEvent.BILLED, clock.instant()));
        return task.quote();
    }

    /** The task fails as the workflow would record a vendor's failure: nothing charged. */
    void fail(String taskId, String code, String message) {
        tasks.markFailed(taskId, new Failure(code, message), new TimelineEvent(TimelineEvent.FAILED, clock.instant(), code));
    }
}
