package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.application.TaskView;
import dev.reelay.domain.task.Task;

/** {@code POST /v1/videos/generations}: accepts a generation task and answers with the task object. */
public final class SubmitVideoHandler extends ApiHandler {
    private final SubmitVideoGeneration submit;

    public SubmitVideoHandler() {
        this(AwsFunctions.WIRING.submitVideoGeneration());
    }

    public SubmitVideoHandler(SubmitVideoGeneration submit) {
        this.submit = submit;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        Task task = submit.submit(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event), HttpExchange.idempotencyKey(event));
        return HttpExchange.json(200, TaskRepresentation.of(new TaskView(task, null, null)));
    }
}
