package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.GetTask;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.domain.error.NotFoundException;

import java.util.Map;
import java.util.Optional;

/** {@code GET /v1/tasks/{id}}: the task object, with a fresh link to the video once it is completed. */
public final class GetTaskHandler extends ApiHandler {
    private final GetTask getTask;

    public GetTaskHandler() {
        this(AwsFunctions.WIRING.getTask());
    }

    public GetTaskHandler(GetTask getTask) {
        this.getTask = getTask;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String taskId = Optional.ofNullable(event.getPathParameters()).map(p -> p.get("id"))
                .orElseThrow(() -> new NotFoundException("task_not_found", "No task id in the path."));
        return HttpExchange.json(200, TaskRepresentation.of(getTask.get(HttpExchange.ownerKeyId(event), taskId)));
    }
}
