package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.CancelTask;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.domain.error.NotFoundException;

import java.util.Optional;

/** {@code POST /v1/tasks/{id}/cancel}: stops a pending or processing task; answers the task object, now cancelled. */
public final class CancelTaskHandler extends ApiHandler {
    private final CancelTask cancelTask;

    public CancelTaskHandler() {
        this(AwsFunctions.WIRING.cancelTask());
    }

    public CancelTaskHandler(CancelTask cancelTask) {
        this.cancelTask = cancelTask;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String taskId = Optional.ofNullable(event.getPathParameters()).map(p -> p.get("id"))
                .orElseThrow(() -> new NotFoundException("task_not_found", "No task id in the path."));
        return HttpExchange.json(200, TaskRepresentation.of(cancelTask.cancel(HttpExchange.ownerKeyId(event), taskId)));
    }
}
