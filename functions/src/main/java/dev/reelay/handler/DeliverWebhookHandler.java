package dev.reelay.handler;

import dev.reelay.application.DeliverWebhook;

/** State machine task: one signed delivery attempt of the task's webhook, after billing. */
public final class DeliverWebhookHandler extends WorkflowStepHandler {

    public DeliverWebhookHandler() {
        this(AwsFunctions.WIRING.deliverWebhook());
    }

    public DeliverWebhookHandler(DeliverWebhook deliverWebhook) {
        super(deliverWebhook::deliver);
    }
}
