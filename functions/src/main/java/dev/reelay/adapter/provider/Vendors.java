package dev.reelay.adapter.provider;

import dev.reelay.adapter.provider.apimart.ApiMartVendor;
import dev.reelay.adapter.provider.gateway.GatewayVendor;
import dev.reelay.adapter.provider.kling.KlingVendor;
import dev.reelay.adapter.provider.unified.UnifiedVendor;

import java.util.List;

/** The one list of the vendors Reelay speaks to, in the order {@code provider} names them (docs/vendors.md). */
public final class Vendors {
    public static final List<VendorDefinition> ALL = List.of(new UnifiedVendor(), new KlingVendor(), new ApiMartVendor(), new GatewayVendor());

    private Vendors() {
    }

    public static List<String> names() {
        return ALL.stream().map(VendorDefinition::name).toList();
    }

    public static VendorDefinition named(String name) {
        return ALL.stream().filter(vendor -> vendor.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("Unknown provider '" + name + "'; known: " + String.join(", ", names())));
    }
}
