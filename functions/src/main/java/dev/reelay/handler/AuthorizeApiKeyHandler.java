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
 * The HTTP API's Lambda authorizer (payload format 2.0, simple responses). It lets every request
 * through to its route ({@code isAuthorized: true}) with a context that the route's handler reads
 * ({@link HttpExchange#ownerKeyId}): {@code {"keyName": name}} for an active key, which owns the
 * request, or {@code {"authError": code}} for anything else, which the handler answers with a 401 in
 * the error envelope. API Gateway's own refusal (a bare 403) cannot carry the envelope; this way the
 * authentication stays here, and API Gateway still caches its result per {@code Authorization}
 * header. Every route behind this authorizer must therefore call {@code ownerKeyId} before doing
 * anything.
 */
public final class AuthorizeApiKeyHandler implements RequestHandler<APIGatewayV2CustomAuthorizerEvent, SimpleIAMPolicyResponse> {
    /** The context entry that names the key; {@link HttpExchange#ownerKeyId} reads it. */
    public static final String KEY_NAME = "keyName";
    /** The context entry of a refused request: its error code; {@link HttpExchange#ownerKeyId} answers it with a 401. */
    public static final String AUTH_ERROR = "authError";
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
            LOG.info("Refused a request to {}: {}", event.getRouteKey(), decision.errorCode());
            return SimpleIAMPolicyResponse.builder().withIsAuthorized(true)
                    .withContext(Map.of(AUTH_ERROR, decision.errorCode())).build();
        }
        return SimpleIAMPolicyResponse.builder().withIsAuthorized(true).withContext(Map.of(KEY_NAME, decision.keyName())).build();
    }
}
