package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.application.WorkflowState;
import dev.reelay.config.AwsClients;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * State machine task ({@code .waitForTaskToken}): a queued task waits for a vendor slot. Its input is
 * {@code {"state": ..., "taskToken": ...}}; a grant resumes the step, or it times out and looks again.
 */
public final class AwaitProviderSlotHandler implements RequestStreamHandler {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final VideoGenerationSteps steps;

    record Input(WorkflowState state, String taskToken) {
    }

    public AwaitProviderSlotHandler() {
        this(AwsClients.WIRING.videoGenerationSteps());
    }

    public AwaitProviderSlotHandler(VideoGenerationSteps steps) {
        this.steps = steps;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Input waiting = JSON.readValue(input, Input.class);
        steps.awaitSlot(waiting.state(), waiting.taskToken(), JSON.writeValueAsString(waiting.state()));
        JSON.writeValue(output, waiting.state());
    }
}
