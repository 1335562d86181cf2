package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.WorkflowState;
import dev.reelay.config.AwsClients;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * State machine task ({@code .waitForTaskToken}): registers the wait for a provider's callback.
 * Its input is {@code {"state": ..., "taskToken": ...}}; the step ends when the callback resumes it.
 */
public final class AwaitProviderCallbackHandler implements RequestStreamHandler {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ProviderCallbackReception reception;

    record Input(WorkflowState state, String taskToken) {
    }

    public AwaitProviderCallbackHandler() {
        this(AwsClients.WIRING.providerCallbackReception());
    }

    public AwaitProviderCallbackHandler(ProviderCallbackReception reception) {
        this.reception = reception;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Input waiting = JSON.readValue(input, Input.class);
        reception.await(waiting.state(), waiting.taskToken());
        JSON.writeValue(output, waiting.state());
    }
}
