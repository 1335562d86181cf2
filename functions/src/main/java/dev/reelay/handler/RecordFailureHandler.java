package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;

/** State machine task: Ends a task failed, with its reason, at no charge. */
public final class RecordFailureHandler extends WorkflowStepHandler {

    public RecordFailureHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public RecordFailureHandler(VideoGenerationSteps steps) {
        super(steps::recordFailure);
    }
}
