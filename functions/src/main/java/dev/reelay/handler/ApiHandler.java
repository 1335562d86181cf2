package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API route's function: opens the invocation's log context, runs the route, and maps any failure
 * to the API's error envelope ({@link HttpExchange#error}), so no route answers a raw Lambda error.
 * The HTTP counterpart of {@link WorkflowStepHandler}.
 */
public abstract class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    /** The concrete handler's logger. */
    protected final Logger log = LoggerFactory.getLogger(getClass());

    @Override
    public final APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog invocation = InvocationLog.open(context, this)) {
            try {
                return handle(event);
            } catch (RuntimeException e) {
                return HttpExchange.error(e, log, routeKey(event));
            }
        }
    }

    /** The route's answer; a {@link RuntimeException} becomes the error envelope for its type. */
    protected abstract APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event);

    /** The route as API Gateway names it ({@code GET /v1/tasks/{id}}), for the log line of a refusal. */
    private String routeKey(APIGatewayV2HTTPEvent event) {
        String routeKey = event == null ? null : event.getRouteKey();
        return routeKey != null ? routeKey : getClass().getSimpleName();
    }
}
