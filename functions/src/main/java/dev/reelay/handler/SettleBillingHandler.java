package dev.reelay.handler;

import dev.reelay.application.VideoGenerationSteps;

/** State machine task: Completes a task and charges it, exactly once. */
public final class SettleBillingHandler extends WorkflowStepHandler {

    public SettleBillingHandler() {
        this(AwsFunctions.WIRING.videoGenerationSteps());
    }

    public SettleBillingHandler(VideoGenerationSteps steps) {
        super(steps::settleBilling);
    }
}
