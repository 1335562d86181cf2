package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;

/** State machine task: Hands a task's job to its provider, once. */
public final class SubmitToProviderHandler extends WorkflowStepHandler {

    public SubmitToProviderHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public SubmitToProviderHandler(VideoGenerationSteps steps) {
        super(steps::submitToProvider);
    }
}
