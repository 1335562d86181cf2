package dev.reelay.testing;

import dev.reelay.port.Workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records started, stopped and webhook-only workflows and resumed waits; a token resumes once, like a real task token. */
public final class RecordingWorkflow implements Workflow {
    public final List<String> started = new ArrayList<>();
    public final Map<String, String> resumed = new LinkedHashMap<>();
    public final List<String> stopped = new ArrayList<>();
    public final List<String> cancellationWebhooks = new ArrayList<>();

    @Override
    public void start(String taskId) {
        started.add(taskId);
    }

    @Override
    public boolean resume(String taskToken, String outputJson) {
        return resumed.putIfAbsent(taskToken, outputJson) == null;
    }

    @Override
    public void stop(String taskId, String cause) {
        stopped.add(taskId);
    }

    @Override
    public void deliverCancellationWebhook(String taskId) {
        cancellationWebhooks.add(taskId);
    }
}
