package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.ProviderCallbackReception;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * {@code POST /callbacks/{provider}/{secret}}: a vendor's callback. No API key: the unguessable
 * secret in the path is the credential. Answers quickly; an unknown secret is a 404 and changes nothing.
 */
public final class ProviderCallbackHandler extends ApiHandler {
    private final ProviderCallbackReception reception;

    public ProviderCallbackHandler() {
        this(AwsFunctions.WIRING.providerCallbackReception());
    }

    public ProviderCallbackHandler(ProviderCallbackReception reception) {
        this.reception = reception;
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        String body = event.getBody() == null ? "" : event.getBody();
        byte[] bytes = event.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        ProviderCallbackReception.Outcome outcome = reception.receive(
                path.getOrDefault("provider", ""), path.getOrDefault("secret", ""), bytes);
        return outcome == ProviderCallbackReception.Outcome.UNKNOWN
                ? HttpExchange.json(404, Map.of("error", Map.of("code", "callback_not_found", "message", "No such callback.", "type", "not_found_error")))
                : HttpExchange.json(200, Map.of("received", true, "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)));
    }
}
