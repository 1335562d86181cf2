package dev.reelay.testing;

import dev.reelay.port.BatchWorkflow;

import java.util.ArrayList;
import java.util.List;

/** Records the batches whose workflow was started; starts can be made to fail, as when Step Functions is unavailable. */
public final class RecordingBatchWorkflow implements BatchWorkflow {
    public final List<String> started = new ArrayList<>();
    private int startFailuresLeft;

    /** The next {@code times} starts fail, as an unavailable Step Functions would; they are not recorded. */
    public void failNextStarts(int times) {
        startFailuresLeft = times;
    }

    @Override
    public void start(String batchId) {
        if (startFailuresLeft > 0) {
            startFailuresLeft--;
            throw new IllegalStateException("Step Functions is unavailable");
        }
        started.add(batchId);
    }
}
