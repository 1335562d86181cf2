package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.QuoteVideoGeneration;

/** {@code POST /v1/quotes}: what {@code POST /v1/videos/generations} with the same body would charge and reserve. */
public final class QuoteVideoHandler extends ApiHandler {
    private final QuoteVideoGeneration quote;

    public QuoteVideoHandler() {
        this(AwsFunctions.WIRING.quoteVideoGeneration());
    }

    public QuoteVideoHandler(QuoteVideoGeneration quote) {
        this.quote = quote;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return HttpExchange.json(200, quote.quote(HttpExchange.ownerKeyId(event), HttpExchange.jsonBody(event)));
    }
}
