package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.QuoteVideoGeneration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/quotes}: what {@code POST /v1/videos/generations} with the same body would charge and reserve. */
public final class QuoteVideoHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(QuoteVideoHandler.class);
    private final QuoteVideoGeneration quote;

    public QuoteVideoHandler() {
        this(AwsFunctions.WIRING.quoteVideoGeneration());
    }

    public QuoteVideoHandler(QuoteVideoGeneration quote) {
        this.quote = quote;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            return HttpExchange.json(200, quote.quote(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "POST /v1/quotes");
        }
    }
}
