package dev.reelay.testing;

import dev.reelay.adapter.provider.unified.UnifiedVendor;
import dev.reelay.application.CircuitBreaker;
import dev.reelay.application.ProviderRouter;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.provider.ProviderProfile;
import dev.reelay.domain.provider.ProviderTable;

import java.net.URI;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Routers over fake providers for unit tests: each fake can do everything, at the price given. */
public final class Providers {
    private Providers() {
    }

    /** The tests' usual prices, in the one-line form: the unified aggregator's defaults, $0.075 a second at 720p without sound. */
    public static final String UNIFIED_PRICES = UnifiedVendor.PRICES;

    public static PriceTable unifiedDefaults() {
        return PriceTable.parse(UNIFIED_PRICES);
    }

    /**
     * A profile for a fake vendor charging {@code base} USD a second at 720p without sound, with the
     * default price table's multipliers (docs/vendors.md).
     */
    public static ProviderProfile profile(String name, String base) {
        return new ProviderProfile(name, URI.create("https://" + name + ".test"), EnumSet.allOf(Capability.class),
                PriceTable.parse(UNIFIED_PRICES.replace("base=0.075", "base=" + base) + ";4k/off=2.0;4k/on=3.0"));
    }

    public static ProviderTable table(FakeProvider... fakes) {
        return new ProviderTable(Arrays.stream(fakes).map(f -> profile(f.name(), "0.075")).toList());
    }

    public static ProviderRouter router(ProviderTable table, Clock clock, FakeProvider... fakes) {
        Map<String, dev.reelay.port.ProviderClient> clients = new LinkedHashMap<>();
        for (FakeProvider fake : fakes) {
            clients.put(fake.name(), fake);
        }
        return new ProviderRouter(table, clients, CircuitBreaker.standard(clock));
    }

    public static ProviderRouter router(FakeProvider... fakes) {
        return router(table(fakes), Clock.systemUTC(), fakes);
    }

    public static List<String> names(ProviderTable table) {
        return table.profiles().stream().map(ProviderProfile::name).toList();
    }
}
