package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.CancelTask;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.domain.error.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/** {@code POST /v1/tasks/{id}/cancel}: stops a pending or processing task; answers the task object, now cancelled. */
public final class CancelTaskHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(CancelTaskHandler.class);
    private final CancelTask cancelTask;

    public CancelTaskHandler() {
        this(AwsFunctions.WIRING.cancelTask());
    }

    public CancelTaskHandler(CancelTask cancelTask) {
        this.cancelTask = cancelTask;
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
            return HttpExchange.json(200, TaskRepresentation.of(cancelTask.cancel(HttpExchange.ownerKeyId(event), taskId)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "POST /v1/tasks/{id}/cancel");
        }
    }
}
