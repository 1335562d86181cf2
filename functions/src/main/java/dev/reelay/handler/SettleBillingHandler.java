package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.config.AwsClients;

/** State machine task: Completes a task and charges it, exactly once. */
public final class SettleBillingHandler extends WorkflowStepHandler {

    public SettleBillingHandler() {
        this(AwsClients.WIRING.videoGenerationSteps());
    }

    public SettleBillingHandler(VideoGenerationSteps steps) {
        super(steps::settleBilling);
    }
}
