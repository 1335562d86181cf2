package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.WorkflowState;

import java.io.IOException;
import java.util.Map;

/**
 * SnapStart priming of the handlers' own JSON mappers ({@link dev.reelay.config.SnapStartPriming}):
 * one sample through each, so that their serializers and deserializers are built before the snapshot.
 * Pure computation over the samples given: nothing is stored, sent or made unique.
 */
public final class HandlerPriming {
    private HandlerPriming() {
    }

    /**
     * @param sampleState a workflow state as the state machine passes it from step to step
     * @param sampleTask  a task object as the API answers it
     * @return the number of bytes written, so that nothing is optimised away
     */
    public static int json(byte[] sampleState, Map<String, Object> sampleTask) throws IOException {
        WorkflowState state = WorkflowStepHandler.JSON.readValue(sampleState, WorkflowState.class);
        byte[] written = WorkflowStepHandler.JSON.writeValueAsBytes(state);
        APIGatewayV2HTTPResponse answer = HttpExchange.json(200, sampleTask);
        Object parsedBack = HttpExchange.JSON.readValue(answer.getBody(), Object.class);
        return written.length + answer.getBody().length() + (parsedBack == null ? 0 : 1);
    }
}
