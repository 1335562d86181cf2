package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.config.AwsClients;

/** State machine task: Asks the provider where a job stands and decides what the workflow does next. */
public final class CheckStatusHandler extends WorkflowStepHandler {

    public CheckStatusHandler() {
        this(AwsClients.WIRING.videoGenerationSteps());
    }

    public CheckStatusHandler(VideoGenerationSteps steps) {
        super(steps::checkStatus);
    }
}
