package dev.reelay.adapter.provider.kling;

import dev.reelay.adapter.provider.ProviderCredentials;
import dev.reelay.adapter.provider.VendorDefinition;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.port.ProviderClient;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Kling's official API: JWT or API key, composite task ids, a callback on every status change,
 * lookups by {@code external_task_id}, and no cancel (the definition's default). The client is
 * {@link KlingProviderClient}, the error codes {@link KlingErrors}. See docs/vendors.md.
 */
public final class KlingVendor implements VendorDefinition {
    public static final String NAME = "kling";

    /** What image2video takes, from Kling's parameter list. */
    static final Set<String> IMAGE_TO_VIDEO_PARAMETERS = Set.of("multi_shot", "shot_type", "multi_prompt",
            "element_list", "voice_list", "camera_control", "static_mask", "dynamic_masks", "cfg_scale", "watermark_info");
    /** text2video: the same list without the masks, which need a frame. */
    static final Set<String> TEXT_TO_VIDEO_PARAMETERS = Set.of("multi_shot", "shot_type", "multi_prompt",
            "element_list", "voice_list", "camera_control", "cfg_scale", "watermark_info");

    /** Kling publishes no per-second price: a placeholder for your contract prices ({@code PROVIDER_PRICES}). */
    static final String PRICES = "base=0.084;min_seconds=3;credits_per_usd=72;720p/off=1.0;720p/on=1.5;1080p/off=1.333;1080p/on=2.0";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> features() {
        return EnumSet.of(Capability.SOUND, Capability.LAST_FRAME, Capability.MULTI_SHOT, Capability.SUBJECTS, Capability.VOICES,
                Capability.TEXT_TO_VIDEO, Capability.URL_IMAGES, Capability.BASE64_IMAGES, Capability.WATERMARK,
                Capability.CFG_SCALE, Capability.CAMERA_CONTROL);
    }

    @Override
    public Optional<Set<String>> acceptedParameters(String model) {
        return KlingProviderClient.Route.ofModel(model).map(route -> route.params);
    }

    @Override
    public PriceTable defaultPrices() {
        return PriceTable.parse(PRICES);
    }

    @Override
    public Callbacks callbacks() {
        return Callbacks.EVERY_STATUS_CHANGE;
    }

    @Override
    public ProviderClient client(Connection connection) {
        return new KlingProviderClient(connection.http(), connection.baseUrl(), () -> credentials(connection.credentials().get()),
                connection.json(), connection.clock());
    }

    /** Kling takes an access key and a secret key (signed into a JWT), or a plain API key. */
    static KlingCredentials credentials(ProviderCredentials credentials) {
        return credentials.has(NAME, "access_key")
                ? KlingCredentials.accessKeys(credentials.require(NAME, "access_key"), credentials.require(NAME, "secret_key"))
                : KlingCredentials.apiKey(credentials.require(NAME, "api_key"));
    }
}
