package dev.reelay.adapter.provider.apimart;

import dev.reelay.adapter.provider.VendorDefinition;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.port.ProviderClient;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * APIMart, relaying Kling v3: bearer key, the only vendor with 4k and on-the-fly subjects, an
 * ASSUMED cancel, and no callbacks (undocumented, so none is asked for: the definition's default).
 * The client, with its error reading, is {@link ApiMartProviderClient}. See docs/vendors.md.
 */
public final class ApiMartVendor implements VendorDefinition {
    public static final String NAME = "apimart";

    /** The model parameters APIMart has a field for; {@code cfg_scale}, element ids, voices, camera and masks it has not. */
    static final Set<String> PARAMETERS = Set.of("multi_shot", "shot_type", "multi_prompt", "subjects", "watermark_info");

    /** APIMart publishes no per-second price: a placeholder for your contract prices ({@code PROVIDER_PRICES}). */
    static final String PRICES =
            "base=0.08;min_seconds=3;credits_per_usd=72;720p/off=1.0;720p/on=1.5;1080p/off=1.333;1080p/on=2.0;4k/off=2.667;4k/on=3.333";

    @Override
    public String name() {
        return NAME;
    }

    /** Its subjects are made on the fly from pictures, not library element ids. */
    @Override
    public Set<Capability> features() {
        return EnumSet.of(Capability.QUALITY_4K, Capability.SOUND, Capability.LAST_FRAME, Capability.MULTI_SHOT,
                Capability.TEXT_TO_VIDEO, Capability.URL_IMAGES, Capability.WATERMARK, Capability.ON_THE_FLY_SUBJECTS);
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
    public Cancel cancel() {
        return Cancel.ASSUMED_TASK_CANCEL;
    }

    @Override
    public ProviderClient client(Connection connection) {
        return new ApiMartProviderClient(connection.http(), connection.baseUrl(), connection.apiKey(NAME), connection.json());
    }
}
