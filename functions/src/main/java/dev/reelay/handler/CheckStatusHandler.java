package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;

/** State machine task: Asks the provider where a job stands and decides what the workflow does next. */
public final class CheckStatusHandler extends WorkflowStepHandler {

    public CheckStatusHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public CheckStatusHandler(VideoGenerationSteps steps) {
        super(steps::checkStatus);
    }
}
