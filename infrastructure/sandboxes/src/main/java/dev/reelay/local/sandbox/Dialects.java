package dev.reelay.local.sandbox;

import dev.reelay.local.sandbox.apimart.ApiMartDialect;
import dev.reelay.local.sandbox.gateway.GatewayDialect;
import dev.reelay.local.sandbox.kling.KlingDialect;
import dev.reelay.local.sandbox.unified.UnifiedDialect;
import java.util.List;
import java.util.function.Function;

/**
 * Every vendor dialect, in the order the sandbox command starts them: the one list. Each lives in its own
 * package ({@code kling}, {@code unified}, {@code apimart}, {@code gateway}); a new dialect adds its
 * constructor here (docs/vendors.md, "Adding a vendor"). The kit, not the dialect, enforces the settings'
 * {@link SandboxSettings#maxParallelTasks()} limit.
 */
public final class Dialects {
    public static final List<Function<SandboxSettings, Dialect>> ALL = List.of(
            UnifiedDialect::new, settings -> new KlingDialect(), ApiMartDialect::new, GatewayDialect::new);

    private Dialects() {
    }

    /** The dialect of the vendor named {@code name}, made with {@code settings}. */
    public static Dialect named(String name, SandboxSettings settings) {
        return ALL.stream().map(dialect -> dialect.apply(settings)).filter(dialect -> dialect.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No sandbox dialect is named '" + name + "'"));
    }
}
