package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.ListTasks;
import dev.reelay.application.TaskRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET /v1/tasks?limit=&status=&cursor=}: the caller's tasks, newest first, a page at a time. */
public final class ListTasksHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(ListTasksHandler.class);
    private final ListTasks listTasks;

    public ListTasksHandler() {
        this(AwsFunctions.WIRING.listTasks());
    }

    public ListTasksHandler(ListTasks listTasks) {
        this.listTasks = listTasks;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            return HttpExchange.json(200, TaskRepresentation.list(
                    listTasks.list(HttpExchange.ownerKeyId(event), event.getQueryStringParameters())));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "GET /v1/tasks");
        }
    }
}
