package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.error.UnauthorizedException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The owner comes only from the authorizer's context, and refusals map to their HTTP answers. */
class HttpExchangeTest {

    private static APIGatewayV2HTTPEvent withContext(Map<String, Object> lambdaContext) {
        return APIGatewayV2HTTPEvent.builder().withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAuthorizer(lambdaContext == null ? null
                        : APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withLambda(lambdaContext).build())
                .build()).build();
    }

    @Test
    void theOwnerIsTheKeyTheAuthorizerNamed() {
        assertThat(HttpExchange.ownerKeyId(withContext(Map.of("keyName", "team-a")))).isEqualTo("team-a");
    }

    @Test
    void withoutTheAuthorizersContextThereIsNoOwnerAtAll() {
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(null))).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of()))).isInstanceOf(UnauthorizedException.class);
        // The old, pre-key claim name is not read: no silent shared owner.
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("keyId", "default")))).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("keyName", " ")))).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(new APIGatewayV2HTTPEvent())).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void aKeyTheAuthorizerRefusedIsInvalidAndNeverServed() {
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("authError", "invalid_api_key"))))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).isEqualTo("invalid_api_key"));
        // An unexpected reason is still a refusal, and a refusal wins over a key name.
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("authError", "something_else"))))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).isEqualTo("invalid_api_key"));
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("authError", "invalid_api_key", "keyName", "team-a"))))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).isEqualTo("invalid_api_key"));
    }

    @Test
    void aMissingKeyIsMissingWhereverItIsNoticed() {
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of("authError", "missing_api_key"))))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).isEqualTo("missing_api_key"));
        assertThatThrownBy(() -> HttpExchange.ownerKeyId(withContext(Map.of())))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(e.code()).isEqualTo("missing_api_key"));
    }

    @Test
    void anInvalidKeyIs401InTheEnvelope() throws Exception {
        UnauthorizedException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> HttpExchange.ownerKeyId(withContext(Map.of("authError", "invalid_api_key"))), UnauthorizedException.class);
        APIGatewayV2HTTPResponse answer = HttpExchange.error(refused, LoggerFactory.getLogger(HttpExchangeTest.class), "test");
        assertThat(answer.getStatusCode()).isEqualTo(401);
        assertThat(answer.getHeaders()).containsEntry("Content-Type", "application/json");
        JsonNode error = HttpExchange.JSON.readTree(answer.getBody()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(error.path("type").asText()).isEqualTo("authentication_error");
        assertThat(error.path("message").asText()).contains("Bearer");
        assertThat(error.has("param")).isFalse();
    }

    @Test
    void aMissingKeyIs401() throws Exception {
        APIGatewayV2HTTPResponse answer = HttpExchange.error(new UnauthorizedException("missing_api_key", "No key."),
                LoggerFactory.getLogger(HttpExchangeTest.class), "test");
        assertThat(answer.getStatusCode()).isEqualTo(401);
        JsonNode error = HttpExchange.JSON.readTree(answer.getBody()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("missing_api_key");
        assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    }

    @Test
    void anExhaustedBudgetIs402InsufficientQuota() throws Exception {
        APIGatewayV2HTTPResponse answer = HttpExchange.error(MonthlyBudget.refusal(1_000_000, 800_000, 375_000, "2026-11"),
                LoggerFactory.getLogger(HttpExchangeTest.class), "test");
        assertThat(answer.getStatusCode()).isEqualTo(402);
        JsonNode error = HttpExchange.JSON.readTree(answer.getBody()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("insufficient_quota");
        assertThat(error.path("type").asText()).isEqualTo("insufficient_quota");
        assertThat(error.path("message").asText()).contains("$0.20").contains("2026-11");
        assertThat(error.has("param")).isFalse();
    }
}
