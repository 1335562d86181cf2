package dev.reelay.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.http.HttpTransport;
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
            clients.put(profile.name(), Vendors.named(profile.name())
                    .client(new VendorDefinition.Connection(profile.baseUrl(), http, credentials, json, clock)));
        }
        return clients;
    }
}
