package dev.reelay.config;

import dev.reelay.adapter.provider.ProviderCredentials;
import dev.reelay.domain.provider.ProviderProfile;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReelayConfigTest {

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>(Map.of(
                "TASKS_TABLE", "TasksTable", "ARCHIVE_BUCKET", "archive", "UPLOADS_BUCKET", "uploads",
                "PROVIDER_ENDPOINTS", "unified=https://api.unified.test;kling=https://api-singapore.klingai.com",
                "PROVIDER_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:reelay"));
        return env;
    }

    @Test
    void readsTheEnabledVendorsInOrderWithPriceOverrides() {
        Map<String, String> env = env();
        env.put("PROVIDER_PRICES", "{\"kling\": \"base=0.05;min_seconds=3;credits_per_usd=72;720p/off=1.0\"}");
        ReelayConfig config = ReelayConfig.fromEnvironment(env);
        assertThat(config.providers().profiles()).extracting(ProviderProfile::name).containsExactly("unified", "kling");
        assertThat(config.providers().profile("kling").orElseThrow().baseUrl().getHost()).isEqualTo("api-singapore.klingai.com");
        assertThat(config.stateMachineArn()).isEmpty();
    }

    @Test
    void failsFastNamingAMissingKey() {
        Map<String, String> env = env();
        env.remove("PROVIDER_ENDPOINTS");
        assertThatThrownBy(() -> ReelayConfig.fromEnvironment(env)).hasMessageContaining("PROVIDER_ENDPOINTS");
        assertThatThrownBy(() -> ReelayConfig.fromEnvironment(env()).requireStateMachineArn()).hasMessageContaining("STATE_MACHINE_ARN");
    }

    @Test
    void refusesPricesForAVendorThatIsNotEnabledAndUnknownVendors() {
        Map<String, String> env = env();
        env.put("PROVIDER_PRICES", "{\"apimart\": \"base=0.05;min_seconds=3;credits_per_usd=72;720p/off=1.0\"}");
        assertThatThrownBy(() -> ReelayConfig.fromEnvironment(env)).hasMessageContaining("apimart");
        Map<String, String> unknown = env();
        unknown.put("PROVIDER_ENDPOINTS", "sora=https://sora.test");
        assertThatThrownBy(() -> ReelayConfig.fromEnvironment(unknown)).hasMessageContaining("sora");
    }

    @Test
    void credentialsNeverShowTheirValues() {
        ProviderCredentials credentials = ProviderCredentials.parse("{\"kling\": {\"access_key\": \"AK-123\", \"secret_key\": \"SK-456\"}}", "test");
        assertThat(credentials.require("kling", "secret_key")).isEqualTo("SK-456");
        assertThat(credentials.toString()).doesNotContain("AK-123", "SK-456");
        assertThatThrownBy(() -> credentials.require("unified", "api_key")).hasMessageContaining("unified.api_key");
        assertThatThrownBy(() -> ProviderCredentials.parse("{\"kling\": \"SK-999-broken", "test"))
                .hasMessageNotContaining("SK-999");
    }
}
