package dev.reelay.testing;

import dev.reelay.port.Workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records started, stopped and webhook-only workflows and resumed waits; a token resumes once, like a
 * real task token. Safe to call from several threads, as a batch's cancel does. Starts and stops can be made to fail, as when Step Functions is unavailable.
 */
public final class RecordingWorkflow implements Workflow {
    public final List<String> started = new CopyOnWriteArrayList<>();
    public final Map<String, String> resumed = Collections.synchronizedMap(new LinkedHashMap<>());
    public final List<String> stopped = new CopyOnWriteArrayList<>();
    public final List<String> cancellationWebhooks = new CopyOnWriteArrayList<>();

    private volatile boolean startsFail;
    private int stopFailuresLeft;

    /** Every start fails from now on, as an unavailable Step Functions would. */
    public void failStarts() {
        startsFail = true;
    }

    /** The next {@code times} stops fail, as an unavailable Step Functions would; they are not recorded. */
    public void failNextStops(int times) {
        stopFailuresLeft = times;
    }

    @Override
    public void start(String taskId) {
        if (startsFail) {
            throw new IllegalStateException("Step Functions is unavailable");
        }
        started.add(taskId);
    }

    @Override
    public boolean resume(String taskToken, String outputJson) {
        return resumed.putIfAbsent(taskToken, outputJson) == null;
    }

    @Override
    public synchronized void stop(String taskId, String cause) {
        if (stopFailuresLeft > 0) {
            stopFailuresLeft--;
            throw new IllegalStateException("Step Functions is unavailable");
        }
        stopped.add(taskId);
    }

    @Override
    public void deliverCancellationWebhook(String taskId) {
        cancellationWebhooks.add(taskId);
    }

    /** Executions this workflow started and did not stop count as running. */
    @Override
    public boolean running(String taskId) {
        return started.contains(taskId) && !stopped.contains(taskId);
    }
}
