package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.config.AwsClients;

/** State machine task: Ends a task failed, with its reason, at no charge. */
public final class RecordFailureHandler extends WorkflowStepHandler {

    public RecordFailureHandler() {
        this(AwsClients.WIRING.videoGenerationSteps());
    }

    public RecordFailureHandler(VideoGenerationSteps steps) {
        super(steps::recordFailure);
    }
}
