package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.WorkflowState;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A state machine task ({@code .waitForTaskToken}) whose input is {@code {"state": ..., "taskToken": ...}}:
 * it registers the wait and returns; the step ends when something resumes it with the token, or
 * when it times out.
 */
abstract class TaskTokenStepHandler implements RequestStreamHandler {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record Input(WorkflowState state, String taskToken) {
    }

    /** Registers the wait of {@code state}'s task under {@code taskToken}; {@code stateJson} is the state as received. */
    protected abstract void await(WorkflowState state, String taskToken, String stateJson);

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            Input waiting = JSON.readValue(input, Input.class);
            await(waiting.state(), waiting.taskToken(), JSON.writeValueAsString(waiting.state()));
            JSON.writeValue(output, waiting.state());
        }
    }
}
