package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.ProviderCallbackReception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * {@code POST /callbacks/{provider}/{secret}}: a vendor's callback. No API key: the unguessable
 * secret in the path is the credential. Answers quickly; an unknown secret is a 404 and changes nothing.
 */
public final class ProviderCallbackHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderCallbackHandler.class);
    private final ProviderCallbackReception reception;

    public ProviderCallbackHandler() {
        this(AwsFunctions.WIRING.providerCallbackReception());
    }

    public ProviderCallbackHandler(ProviderCallbackReception reception) {
        this.reception = reception;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        try {
            Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
            String body = event.getBody() == null ? "" : event.getBody();
            byte[] bytes = event.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
            ProviderCallbackReception.Outcome outcome = reception.receive(
                    path.getOrDefault("provider", ""), path.getOrDefault("secret", ""), bytes);
            return outcome == ProviderCallbackReception.Outcome.UNKNOWN
                    ? HttpExchange.json(404, Map.of("error", Map.of("code", "callback_not_found", "message", "No such callback.", "type", "not_found_error")))
                    : HttpExchange.json(200, Map.of("received", true, "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)));
        } catch (RuntimeException e) {
            return HttpExchange.error(e, LOG, "POST /callbacks/{provider}/{secret}");
        }
    }
}
