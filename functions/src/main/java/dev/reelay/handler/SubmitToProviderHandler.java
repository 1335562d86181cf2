package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.config.AwsClients;

/** State machine task: Hands a task's job to its provider, once. */
public final class SubmitToProviderHandler extends WorkflowStepHandler {

    public SubmitToProviderHandler() {
        this(AwsClients.WIRING.videoGenerationSteps());
    }

    public SubmitToProviderHandler(VideoGenerationSteps steps) {
        super(steps::submitToProvider);
    }
}
