package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.GetTask;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.domain.error.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/** {@code GET /v1/tasks/{id}}: the task object, with a fresh link to the video once it is completed. */
public final class GetTaskHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(GetTaskHandler.class);
    private final GetTask getTask;

    public GetTaskHandler() {
        this(AwsFunctions.WIRING.getTask());
    }

    public GetTaskHandler(GetTask getTask) {
        this.getTask = getTask;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            String taskId = Optional.ofNullable(event.getPathParameters()).map(p -> p.get("id"))
                    .orElseThrow(() -> new NotFoundException("task_not_found", "No task id in the path."));
            return HttpExchange.json(200, TaskRepresentation.of(getTask.get(HttpExchange.ownerKeyId(event), taskId)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "GET /v1/tasks/{id}");
        }
    }
}
