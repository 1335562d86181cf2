package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.application.WorkflowState;

/**
 * State machine task ({@code .waitForTaskToken}): a queued task waits for a vendor slot. A grant
 * resumes the step, or it times out and the workflow looks again (docs/queue.md).
 */
public final class AwaitProviderSlotHandler extends TaskTokenStepHandler {
    private final VideoGenerationSteps steps;

    public AwaitProviderSlotHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public AwaitProviderSlotHandler(VideoGenerationSteps steps) {
        this.steps = steps;
    }

    @Override
    protected void await(WorkflowState state, String taskToken, String stateJson) {
        steps.awaitSlot(state, taskToken, stateJson);
    }
}
