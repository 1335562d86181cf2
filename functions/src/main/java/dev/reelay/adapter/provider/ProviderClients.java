package dev.reelay.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.apimart.ApiMartProviderClient;
import dev.reelay.adapter.provider.gateway.GatewayProviderClient;
import dev.reelay.adapter.provider.kling.KlingCredentials;
import dev.reelay.adapter.provider.kling.KlingProviderClient;
import dev.reelay.domain.provider.ProviderProfile;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.port.ProviderClient;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Builds the client of each configured vendor, each in its own dialect, with its credentials read on first use. */
public final class ProviderClients {
    private ProviderClients() {
    }

    public static Map<String, ProviderClient> create(ProviderTable table, HttpTransport http,
                                                     Supplier<ProviderCredentials> credentials, ObjectMapper json, Clock clock) {
        Map<String, ProviderClient> clients = new LinkedHashMap<>();
        for (ProviderProfile profile : table.profiles()) {
            clients.put(profile.name(), create(profile, http, credentials, json, clock));
        }
        return clients;
    }

    /** Kling takes an access key and a secret key (signed into a JWT), or a plain API key. */
    private static KlingCredentials kling(ProviderCredentials credentials) {
        return credentials.has(KlingProviderClient.NAME, "access_key")
                ? KlingCredentials.accessKeys(credentials.require(KlingProviderClient.NAME, "access_key"),
                credentials.require(KlingProviderClient.NAME, "secret_key"))
                : KlingCredentials.apiKey(credentials.require(KlingProviderClient.NAME, "api_key"));
    }

    static ProviderClient create(ProviderProfile profile, HttpTransport http, Supplier<ProviderCredentials> credentials,
                                 ObjectMapper json, Clock clock) {
        String name = profile.name();
        Supplier<String> apiKey = () -> credentials.get().require(name, "api_key");
        return switch (name) {
            case UnifiedProviderClient.NAME -> new UnifiedProviderClient(http, profile.baseUrl(), apiKey, json);
            case KlingProviderClient.NAME -> new KlingProviderClient(http, profile.baseUrl(), () -> kling(credentials.get()), json, clock);
            case ApiMartProviderClient.NAME -> new ApiMartProviderClient(http, profile.baseUrl(), apiKey, json);
            case GatewayProviderClient.NAME -> new GatewayProviderClient(http, profile.baseUrl(), apiKey, json);
            default -> throw new IllegalArgumentException("No client for provider '" + name + "'");
        };
    }
}
