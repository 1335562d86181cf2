package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import dev.reelay.application.AuthorizeApiKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API's Lambda authorizer (payload format 2.0, simple responses): {@code isAuthorized}
 * and, when true, the context {@code {"keyName": name}} that the route handlers read as the owner.
 */
public final class AuthorizeApiKeyHandler implements RequestHandler<APIGatewayV2CustomAuthorizerEvent, SimpleIAMPolicyResponse> {
    /** The context entry that names the key; {@link HttpExchange#ownerKeyId} reads it. */
    public static final String KEY_NAME = "keyName";
    private static final Logger LOG = LoggerFactory.getLogger(AuthorizeApiKeyHandler.class);
    private final AuthorizeApiKey authorize;

    public AuthorizeApiKeyHandler() {
        this(AwsFunctions.WIRING.authorizeApiKey());
    }

    public AuthorizeApiKeyHandler(AuthorizeApiKey authorize) {
        this.authorize = authorize;
    }

    @Override
    public SimpleIAMPolicyResponse handleRequest(APIGatewayV2CustomAuthorizerEvent event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private SimpleIAMPolicyResponse handle(APIGatewayV2CustomAuthorizerEvent event) {
        // API Gateway lower-cases header names in payload format 2.0; the identity source carries it too.
        String authorization = Optional.ofNullable(event.getHeaders()).map(h -> h.get("authorization"))
                .or(() -> Optional.ofNullable(event.getIdentitySource()).filter(s -> !s.isEmpty()).map(sources -> sources.get(0)))
                .orElse(null);
        AuthorizeApiKey.Decision decision = authorize.authorize(authorization);
        if (!decision.authorized()) {
            LOG.info("Refused a request to {}: no active API key", event.getRouteKey());
            return SimpleIAMPolicyResponse.builder().withIsAuthorized(false).withContext(Map.of()).build();
        }
        return SimpleIAMPolicyResponse.builder().withIsAuthorized(true).withContext(Map.of(KEY_NAME, decision.keyName())).build();
    }
}
