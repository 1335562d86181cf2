package dev.reelay.domain.provider;

import dev.reelay.domain.pricing.PriceTable;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The table itself; routing over the real vendors' definitions is adapter.provider.VendorRoutingTest. */
class ProviderTableTest {
    @Test
    void refusesAVendorConfiguredTwice() {
        var unified = new ProviderProfile("unified", URI.create("https://u.test"), EnumSet.of(Capability.SOUND),
                PriceTable.parse("base=0.075;min_seconds=3;credits_per_usd=72;720p/off=1.0"));
        assertThatThrownBy(() -> new ProviderTable(List.of(unified, unified))).hasMessageContaining("twice");
    }
}
