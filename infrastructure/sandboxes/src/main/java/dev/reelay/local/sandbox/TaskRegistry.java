package dev.reelay.local.sandbox;

import dev.reelay.local.sandbox.TaskSnapshot.Failure;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox's tasks: accepting jobs (frames fetched and checked at once) within the account's concurrency limit
 * ({@link SandboxSettings#maxParallelTasks()}), rendering them on a bounded pool into a temporary directory, and
 * looking them up for a dialect's routes.
 */
public final class TaskRegistry implements AutoCloseable {
    private static final int RENDER_THREADS = 2;
    private static final Logger log = LoggerFactory.getLogger(TaskRegistry.class);

    private final Dialect dialect;
    private final SandboxSettings settings;
    private final SandboxFaults faults;
    private final Callbacks callbacks;
    private final Function<String, URI> videoUrls;
    private final Mp4Renderer renderer;
    private final ImageFetcher images = new ImageFetcher();
    private final Path videoDirectory;
    private final ExecutorService renderThreads;
    private final Map<String, SandboxTask> tasks = new ConcurrentHashMap<>();
    private final List<SandboxTask> inOrder = new CopyOnWriteArrayList<>();
    private final Map<String, Future<?>> renders = new ConcurrentHashMap<>();
    /** Guards {@link #admitting} and {@link #peakRunning}, and makes a job's admission and registration one step. */
    private final Object slots = new Object();
    /** Submissions past the concurrency check whose task is not registered yet: they hold a slot too. */
    private int admitting;
    private int peakRunning;

    TaskRegistry(Dialect dialect, SandboxSettings settings, SandboxFaults faults, Callbacks callbacks,
                 Function<String, URI> videoUrls) throws IOException {
        this.dialect = dialect;
        this.settings = settings;
        this.faults = faults;
        this.callbacks = callbacks;
        this.videoUrls = videoUrls;
        this.renderer = new Mp4Renderer(settings.longSidePixels(), settings.framesPerSecond());
        this.videoDirectory = Files.createTempDirectory("reelay-" + dialect.name() + "-sandbox-");
        this.renderThreads = Executors.newFixedThreadPool(RENDER_THREADS, Sandbox.daemonThreads(dialect.name() + "-sandbox-render-"));
    }

    /**
     * Accepts a job: takes one of the account's slots (refusing with {@link ApiError.Kind#CONCURRENCY_LIMIT} when
     * none is free), fetches and checks its frames (refusing bad ones), then renders it in the background.
     */
    public TaskSnapshot submit(Job job) throws ApiError {
        takeSlot();
        Optional<BufferedImage> firstFrame;
        Optional<BufferedImage> lastFrame;
        try {
            firstFrame = fetch(job.firstFrame());
            lastFrame = fetch(job.lastFrame());
        } catch (ApiError | RuntimeException refused) {
            synchronized (slots) {
                admitting--;
            }
            throw refused;
        }
        SandboxTask task = registerInSlot(job);
        Optional<SandboxFaults.LateFailure> lateFailure = faults.nextLateFailure();
        if (lateFailure.isPresent()) {
            task.failsAfterDelay(new Failure(lateFailure.get().code(), lateFailure.get().message()));
        } else {
            renders.put(task.id(), renderThreads.submit(() -> render(task, firstFrame, lastFrame)));
        }
        job.callbackUrl().ifPresent(url -> callbacks.watch(task, url));
        log.info("Accepted {}: {}, {} s, {}, sound {}", task.id(), job.model(), job.durationSeconds(), job.quality(),
                job.sound() ? "on" : "off");
        return task.snapshot();
    }

    /**
     * Cancels a task that has not finished: it reports {@code CANCELLED} from now on, its render is
     * interrupted, and no video of it is ever served. A finished task is refused (400
     * {@code task_not_cancellable}), an unknown one is a 404.
     */
    public TaskSnapshot cancel(String taskId) throws ApiError {
        SandboxTask task = tasks.get(taskId);
        if (task == null) {
            throw ApiError.taskNotFound("Task " + taskId + " does not exist");
        }
        if (!task.cancel()) {
            throw ApiError.vendor(400, "task_not_cancellable", null, "Task " + taskId + " is already "
                    + task.snapshot().status().name().toLowerCase(java.util.Locale.ROOT) + "; only a pending or processing task can be cancelled");
        }
        Future<?> render = renders.remove(taskId);
        if (render != null) {
            render.cancel(true);
        }
        log.info("Cancelled {}", taskId);
        return task.snapshot();
    }

    public Optional<TaskSnapshot> find(String taskId) {
        return Optional.ofNullable(tasks.get(taskId)).map(SandboxTask::snapshot);
    }

    public Optional<TaskSnapshot> findByExternalId(String externalTaskId) {
        return inOrder.stream().filter(task -> task.job().externalTaskId().filter(externalTaskId::equals).isPresent())
                .findFirst().map(SandboxTask::snapshot);
    }

    /** Every task, oldest first. */
    public List<TaskSnapshot> all() {
        return inOrder.stream().map(SandboxTask::snapshot).toList();
    }

    /** Jobs submitted and not finished yet (completed, failed or cancelled): each holds one of the account's slots. */
    public int runningJobs() {
        return (int) inOrder.stream().filter(task -> !task.snapshot().status().finished()).count();
    }

    /** The most jobs that were ever running at once. */
    public int peakParallelJobs() {
        synchronized (slots) {
            return peakRunning;
        }
    }

    List<String> ids() {
        return inOrder.stream().map(SandboxTask::id).toList();
    }

    Optional<Path> video(String taskId) {
        return Optional.ofNullable(tasks.get(taskId)).flatMap(SandboxTask::video);
    }

    /** Stops rendering and deletes every video. */
    @Override
    public void close() {
        renderThreads.shutdownNow();
        try {
            if (!renderThreads.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Renders still running after 5 s; deleting {} anyway", videoDirectory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Sandbox.deleteTree(videoDirectory);
    }

    private Optional<BufferedImage> fetch(Optional<ImageInput> input) throws ApiError {
        return input.isPresent() ? Optional.of(images.fetch(input.get())) : Optional.empty();
    }

    /** A job holds its slot from submission until it ends; queries take none. */
    private void takeSlot() throws ApiError {
        synchronized (slots) {
            if (runningJobs() + admitting >= settings.maxParallelTasks()) {
                throw ApiError.concurrencyLimit("Parallel tasks exceed the account's concurrency limit of "
                        + settings.maxParallelTasks() + " unfinished tasks");
            }
            admitting++;
        }
    }

    /** Registers an admitted job, turning its reserved slot into a running task in one step. */
    private SandboxTask registerInSlot(Job job) {
        synchronized (slots) {
            try {
                SandboxTask task = register(job);
                peakRunning = Math.max(peakRunning, runningJobs());
                return task;
            } finally {
                admitting--;
            }
        }
    }

    private SandboxTask register(Job job) {
        Instant created = Instant.now();
        while (true) {
            String id = dialect.newTaskId(created);
            Duration renderDelay = faults.nextRenderDelay().orElse(settings.renderDelay());
            SandboxTask task = new SandboxTask(id, created, job, renderDelay, settings.progressSteps(), videoUrls.apply(id));
            if (tasks.putIfAbsent(id, task) == null) {
                inOrder.add(task);
                return task;
            }
        }
    }

    private void render(SandboxTask task, Optional<BufferedImage> firstFrame, Optional<BufferedImage> lastFrame) {
        Job job = task.job();
        AspectRatio aspectRatio = job.aspectRatio().orElseGet(() -> firstFrame
                .map(image -> AspectRatio.nearestTo(image.getWidth(), image.getHeight()))
                .orElse(AspectRatio.LANDSCAPE));
        Path video = videoDirectory.resolve(task.id() + ".mp4");
        long started = System.nanoTime();
        try {
            BufferedImage start = firstFrame.orElseGet(() -> TextToVideoBackdrop.paint(job.prompt(), renderer.frameSize(aspectRatio)));
            renderer.render(start, lastFrame, aspectRatio, job.durationSeconds(), video);
            log.info("Rendered {} ({} s at {}) in {} ms", task.id(), job.durationSeconds(), aspectRatio.label(),
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            task.rendered(video);
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            // Closing the sandbox interrupts renders: between frames, or inside JCodec's file writes.
            log.info("Stopped rendering {}: it was cancelled, or the sandbox is closing", task.id());
            task.failed("Rendering was stopped");
        } catch (IOException | RuntimeException e) {
            log.error("Rendering {} to {} failed", task.id(), video, e);
            task.failed("Rendering failed: " + e.getMessage());
        } finally {
            renders.remove(task.id());
        }
    }
}
