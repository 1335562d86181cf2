package dev.reelay.adapter.provider.unified;

import dev.reelay.adapter.provider.VendorDefinition;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.port.ProviderClient;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The unified aggregator: bearer key, Reelay's own request shape ({@code model_params} passed
 * through), one callback when a job ends, an ASSUMED cancel, and the only published per-second
 * prices; the client (errors through {@link dev.reelay.adapter.provider.VendorHttp}) is
 * {@link UnifiedProviderClient}. See docs/vendors.md.
 */
public final class UnifiedVendor implements VendorDefinition {
    public static final String NAME = "unified";

    /** The aggregator's published prices: $0.075 a second at 720p without sound, 3 s minimum, and its multipliers. */
    public static final String PRICES = "base=0.075;min_seconds=3;credits_per_usd=72;720p/off=1.0;720p/on=1.5;1080p/off=1.333;1080p/on=2.0";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> features() {
        return EnumSet.of(Capability.SOUND, Capability.LAST_FRAME, Capability.MULTI_SHOT, Capability.SUBJECTS,
                Capability.TEXT_TO_VIDEO, Capability.URL_IMAGES, Capability.WATERMARK);
    }

    /** {@code model_params} go to the aggregator as Reelay holds them. */
    @Override
    public Optional<Set<String>> acceptedParameters(String model) {
        return Optional.empty();
    }

    @Override
    public PriceTable defaultPrices() {
        return unifiedDefaults();
    }

    public static PriceTable unifiedDefaults() {
        return PriceTable.parse(PRICES);
    }

    @Override
    public Callbacks callbacks() {
        return Callbacks.ONCE_AT_END;
    }

    @Override
    public Cancel cancel() {
        return Cancel.ASSUMED_TASK_CANCEL;
    }

    @Override
    public ProviderClient client(Connection connection) {
        return new UnifiedProviderClient(connection.http(), connection.baseUrl(), connection.apiKey(NAME), connection.json());
    }
}
