package dev.reelay.testing;

import dev.reelay.port.Workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records started workflows and resumed waits; a token resumes once, like a real task token. */
public final class RecordingWorkflow implements Workflow {
    public final List<String> started = new ArrayList<>();
    public final Map<String, String> resumed = new LinkedHashMap<>();

    @Override
    public void start(String taskId) {
        started.add(taskId);
    }

    @Override
    public boolean resume(String taskToken, String outputJson) {
        return resumed.putIfAbsent(taskToken, outputJson) == null;
    }
}
