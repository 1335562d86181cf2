package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.application.AdvanceBatch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The batch state machine's one Task ({@code statemachine/batch.asl.json}): takes
 * {@code {"batchId", "webhookAttempts"?}}, runs one {@link AdvanceBatch} step and answers
 * {@code {"batchId", "next": "advance"|"wait"|"done", "waitSeconds", "webhookAttempts"}} for the
 * machine's Choice. Failures propagate, so that the machine's Retry sees their class names.
 */
public final class AdvanceBatchHandler implements RequestStreamHandler {
    private final AdvanceBatch advance;

    public AdvanceBatchHandler() {
        this(AwsFunctions.WIRING.advanceBatch());
    }

    public AdvanceBatchHandler(AdvanceBatch advance) {
        this.advance = advance;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            JsonNode state = WorkflowStepHandler.JSON.readTree(input);
            AdvanceBatch.Step step = advance.advance(state.path("batchId").asText(), state.path("webhookAttempts").asInt(0));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("batchId", step.batchId());
            answer.put("next", step.next().name().toLowerCase(Locale.ROOT));
            answer.put("waitSeconds", step.waitSeconds());
            answer.put("webhookAttempts", step.webhookAttempts());
            WorkflowStepHandler.JSON.writeValue(output, answer);
        }
    }
}
