package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.TaskLog;
import dev.reelay.application.WorkflowState;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

/**
 * A state machine task: reads the workflow state, runs one step, writes the new state. Failures
 * propagate as exceptions, so the state machine's Retry and Catch see their class names.
 */
public abstract class WorkflowStepHandler implements RequestStreamHandler {
    /** Package-visible for {@link SnapStartPriming}, which warms it before a SnapStart snapshot. */
    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final UnaryOperator<WorkflowState> step;

    protected WorkflowStepHandler(UnaryOperator<WorkflowState> step) {
        this.step = step;
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            WorkflowState state = JSON.readValue(input, WorkflowState.class);
            TaskLog.taskId(state.taskId());
            TaskLog.provider(state.provider());
            JSON.writeValue(output, step.apply(state));
        }
    }
}
