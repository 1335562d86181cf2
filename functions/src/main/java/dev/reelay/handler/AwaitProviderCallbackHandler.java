package dev.reelay.handler;

import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.WorkflowState;

/**
 * State machine task ({@code .waitForTaskToken}): registers the wait for a provider's callback. The
 * step ends when the callback resumes it, or when its timeout (the poll interval) says "check now".
 */
public final class AwaitProviderCallbackHandler extends TaskTokenStepHandler {
    private final ProviderCallbackReception reception;

    public AwaitProviderCallbackHandler() {
        this(AwsFunctions.WIRING.providerCallbackReception());
    }

    public AwaitProviderCallbackHandler(ProviderCallbackReception reception) {
        this.reception = reception;
    }

    @Override
    protected void await(WorkflowState state, String taskToken, String stateJson) {
        reception.await(state, taskToken);
    }
}
