package dev.reelay.handler;

import dev.reelay.application.DeliverWebhook;
import dev.reelay.config.AwsClients;

/** State machine task: one signed delivery attempt of the task's webhook, after billing. */
public final class DeliverWebhookHandler extends WorkflowStepHandler {

    public DeliverWebhookHandler() {
        this(AwsClients.WIRING.deliverWebhook());
    }

    public DeliverWebhookHandler(DeliverWebhook deliverWebhook) {
        super(deliverWebhook::deliver);
    }
}
