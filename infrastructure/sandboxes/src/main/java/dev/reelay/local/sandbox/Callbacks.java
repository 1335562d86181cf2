package dev.reelay.local.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.TaskSnapshot.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a dialect's callbacks. A task's status is only derived when asked, so each task with a callback URL
 * is watched by a ticker that notices its status changes and ends with the task.
 */
final class Callbacks implements AutoCloseable {
    private static final Duration TICK = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dialect dialect;
    private final SandboxFaults faults;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    Callbacks(Dialect dialect, SandboxFaults faults) {
        this.dialect = dialect;
        this.faults = faults;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Sandbox.daemonThreads(dialect.name() + "-sandbox-callbacks-"));
    }

    void watch(SandboxTask task, URI url) {
        scheduler.execute(new Watch(task, url));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** Runs on the single scheduler thread only, so {@code notified} needs no locking. */
    private final class Watch implements Runnable {
        private final SandboxTask task;
        private final URI url;
        private Status notified;

        Watch(SandboxTask task, URI url) {
            this.task = task;
            this.url = url;
        }

        @Override
        public void run() {
            try {
                TaskSnapshot now = task.snapshot();
                boolean wanted = dialect.callbackPolicy().trigger() == CallbackPolicy.Trigger.EVERY_STATUS_CHANGE
                        || now.status().finished();
                if (wanted && now.status() != notified) {
                    notified = now.status();
                    notify(now);
                }
                if (!now.status().finished()) {
                    later(this, TICK);
                }
            } catch (RuntimeException | JsonProcessingException e) {
                log.error("Stopped watching {} for callbacks to {}", task.id(), url, e);
            }
        }

        private void notify(TaskSnapshot snapshot) throws JsonProcessingException {
            String label = task.id() + " " + snapshot.status();
            if (faults.takeLostCallback()) {
                log.info("Lost the {} callback to {} (scripted fault)", label, url);
                return;
            }
            byte[] body = JSON.writeValueAsBytes(dialect.callbackBody(snapshot));
            int copies = faults.takeDuplicatedCallback() ? 2 : 1;
            for (int copy = 0; copy < copies; copy++) {
                deliver(label, body, 0);
            }
        }

        private void deliver(String label, byte[] body, int attempt) {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() / 100 == 2) {
                    log.info("Delivered the {} callback to {}", label, url);
                    return;
                }
                String outcome = error == null ? "HTTP " + response.statusCode() : error.toString();
                List<Duration> retryDelays = dialect.callbackPolicy().retryDelays();
                if (attempt < retryDelays.size()) {
                    log.info("The {} callback to {} failed ({}); retrying in {}", label, url, outcome, retryDelays.get(attempt));
                    later(() -> deliver(label, body, attempt + 1), retryDelays.get(attempt));
                } else {
                    log.warn("Gave up on the {} callback to {} after {} attempt(s): {}", label, url, attempt + 1, outcome);
                }
            });
        }
    }

    private void later(Runnable action, Duration delay) {
        try {
            scheduler.schedule(action, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            log.info("The sandbox is closed: dropped a pending callback or retry");
        }
    }
}
