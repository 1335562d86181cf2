package dev.reelay.domain.provider;

import dev.reelay.domain.pricing.PriceTable;

import java.net.URI;
import java.util.Set;

/** A configured vendor: where it is, what it can do, and what it charges. */
public record ProviderProfile(String name, URI baseUrl, Set<Capability> capabilities, PriceTable prices) {
    public ProviderProfile {
        capabilities = Set.copyOf(capabilities);
    }

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }
}
