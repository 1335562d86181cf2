package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.application.TaskView;
import dev.reelay.domain.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/videos/generations}: accepts a generation task and answers with the task object. */
public final class SubmitVideoHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(SubmitVideoHandler.class);
    private final SubmitVideoGeneration submit;

    public SubmitVideoHandler() {
        this(AwsFunctions.WIRING.submitVideoGeneration());
    }

    public SubmitVideoHandler(SubmitVideoGeneration submit) {
        this.submit = submit;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            Task task = submit.submit(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event), HttpExchange.idempotencyKey(event));
            return HttpExchange.json(200, TaskRepresentation.of(new TaskView(task, null, null)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "POST /v1/videos/generations");
        }
    }
}
