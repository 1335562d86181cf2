package dev.reelay.adapter.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/**
 * Vendor credentials, one object per vendor, as kept in Secrets Manager (or, locally, in a file
 * or an environment variable): {@code {"unified": {"api_key": "..."}, "kling": {"access_key":
 * "...", "secret_key": "..."}}}. {@link #toString()} never shows a value.
 */
public final class ProviderCredentials {
    private final Map<String, Map<String, String>> byProvider;

    private ProviderCredentials(Map<String, Map<String, String>> byProvider) {
        this.byProvider = Map.copyOf(byProvider);
    }

    public static ProviderCredentials of(Map<String, Map<String, String>> byProvider) {
        return new ProviderCredentials(byProvider);
    }

    public static ProviderCredentials parse(String json, String source) {
        try {
            return new ProviderCredentials(new ObjectMapper().readValue(json, new TypeReference<Map<String, Map<String, String>>>() {
            }));
        } catch (JsonProcessingException e) {
            // The message of a JSON error may quote the secret: keep only where it failed.
            throw new IllegalStateException("Provider credentials in " + source + " are not a JSON object of objects of strings (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    /** One field of one vendor's credentials; fails naming the vendor and field, never the value. */
    public String require(String provider, String field) {
        String value = byProvider.getOrDefault(provider, Map.of()).get(field);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("No " + provider + "." + field + " in the provider credentials");
        }
        return value;
    }

    public boolean has(String provider, String field) {
        String value = byProvider.getOrDefault(provider, Map.of()).get(field);
        return value != null && !value.isBlank();
    }

    @Override
    public String toString() {
        return "ProviderCredentials" + byProvider.keySet();
    }
}
