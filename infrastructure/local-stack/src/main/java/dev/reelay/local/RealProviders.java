package dev.reelay.local;

import dev.reelay.adapter.provider.ProviderCredentials;
import dev.reelay.config.ReelayConfig;
import dev.reelay.domain.provider.ProviderTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Real vendors for the local stack, instead of the sandboxes, when {@code REELAY_PROVIDER_ENDPOINTS}
 * is set (same form as in AWS, with {@code REELAY_PROVIDER_PRICES} optional). Their credentials
 * come from the file named by {@code REELAY_PROVIDER_CREDENTIALS_FILE}, or from the JSON in
 * {@code REELAY_PROVIDER_CREDENTIALS}: the same JSON as the AWS secret. They are never logged.
 */
record RealProviders(ProviderTable table, ProviderCredentials credentials) {

    static Optional<RealProviders> fromEnvironment(Map<String, String> env) {
        String endpoints = env.get("REELAY_PROVIDER_ENDPOINTS");
        if (endpoints == null || endpoints.isBlank()) {
            return Optional.empty();
        }
        ProviderTable table = ReelayConfig.providers(endpoints, env.get("REELAY_PROVIDER_PRICES"));
        String file = env.get("REELAY_PROVIDER_CREDENTIALS_FILE");
        String inline = env.get("REELAY_PROVIDER_CREDENTIALS");
        ProviderCredentials credentials;
        if (file != null && !file.isBlank()) {
            try {
                credentials = ProviderCredentials.parse(Files.readString(Path.of(file)), file);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read REELAY_PROVIDER_CREDENTIALS_FILE " + file, e);
            }
        } else if (inline != null && !inline.isBlank()) {
            credentials = ProviderCredentials.parse(inline, "REELAY_PROVIDER_CREDENTIALS");
        } else {
            throw new IllegalStateException("REELAY_PROVIDER_ENDPOINTS is set, so real vendors are used: give their credentials "
                    + "in REELAY_PROVIDER_CREDENTIALS_FILE (a JSON file) or REELAY_PROVIDER_CREDENTIALS (JSON)");
        }
        return Optional.of(new RealProviders(table, credentials));
    }
}
