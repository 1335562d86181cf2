package dev.reelay.adapter.provider.gateway;

import dev.reelay.adapter.provider.VendorDefinition;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.port.ProviderClient;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * An OpenAI-style gateway relaying Kling v3: bearer key, tier and sound in the model id, no
 * callbacks and no cancel (the definition's defaults); the client (with the OpenAI error envelope, through
 * {@link dev.reelay.adapter.provider.VendorHttp}) is {@link GatewayProviderClient}. See docs/vendors.md.
 */
public final class GatewayVendor implements VendorDefinition {
    public static final String NAME = "gateway";

    /** The Kling fields the gateway relays under {@code extra_body}, and {@code multi_shot}, which it infers from the shots. */
    static final Set<String> PARAMETERS = Set.of("multi_shot", "shot_type", "multi_prompt", "element_list", "cfg_scale");

    /** The gateway publishes no per-second price: a placeholder for your contract prices ({@code PROVIDER_PRICES}). */
    static final String PRICES = "base=0.09;min_seconds=3;credits_per_usd=72;720p/off=1.0;720p/on=1.5;1080p/off=1.333;1080p/on=2.0";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> features() {
        return EnumSet.of(Capability.SOUND, Capability.LAST_FRAME, Capability.MULTI_SHOT, Capability.SUBJECTS,
                Capability.TEXT_TO_VIDEO, Capability.URL_IMAGES, Capability.CFG_SCALE);
    }

    @Override
    public Optional<Set<String>> acceptedParameters(String model) {
        return Optional.of(PARAMETERS);
    }

    @Override
    public PriceTable defaultPrices() {
        return PriceTable.parse(PRICES);
    }

    @Override
    public ProviderClient client(Connection connection) {
        return new GatewayProviderClient(connection.http(), connection.baseUrl(), connection.apiKey(NAME), connection.json());
    }
}
