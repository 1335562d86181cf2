package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.ListTasks;
import dev.reelay.application.TaskRepresentation;

/** {@code GET /v1/tasks?limit=&status=&cursor=}: the caller's tasks, newest first, a page at a time. */
public final class ListTasksHandler extends ApiHandler {
    private final ListTasks listTasks;

    public ListTasksHandler() {
        this(AwsFunctions.WIRING.listTasks());
    }

    public ListTasksHandler(ListTasks listTasks) {
        this.listTasks = listTasks;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return HttpExchange.json(200, TaskRepresentation.list(
                listTasks.list(HttpExchange.ownerKeyId(event), event.getQueryStringParameters())));
    }
}
