package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.GetUsage;
import dev.reelay.application.UsageRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET /v1/usage?month=YYYY-MM}: the caller's usage of a month (this month by default) and its budget. */
public final class GetUsageHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(GetUsageHandler.class);
    private final GetUsage getUsage;

    public GetUsageHandler() {
        this(AwsFunctions.WIRING.getUsage());
    }

    public GetUsageHandler(GetUsage getUsage) {
        this.getUsage = getUsage;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            return HttpExchange.json(200, UsageRepresentation.of(
                    getUsage.usage(HttpExchange.ownerKeyId(event), event.getQueryStringParameters())));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "GET /v1/usage");
        }
    }
}
