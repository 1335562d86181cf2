package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.GetUsage;
import dev.reelay.application.UsageRepresentation;

/** {@code GET /v1/usage?month=YYYY-MM}: the caller's usage of a month (this month by default) and its budget. */
public final class GetUsageHandler extends ApiHandler {
    private final GetUsage getUsage;

    public GetUsageHandler() {
        this(AwsFunctions.WIRING.getUsage());
    }

    public GetUsageHandler(GetUsage getUsage) {
        this.getUsage = getUsage;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return HttpExchange.json(200, UsageRepresentation.of(
                getUsage.usage(HttpExchange.ownerKeyId(event), event.getQueryStringParameters())));
    }
}
