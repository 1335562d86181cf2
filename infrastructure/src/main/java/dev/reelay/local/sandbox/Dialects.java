package dev.reelay.local.sandbox;

import java.util.List;
import java.util.function.Function;

/**
 * Every vendor dialect, in the order the sandbox command starts them. A new dialect adds its constructor here.
 * The kit, not the dialect, enforces the settings' {@link SandboxSettings#maxParallelTasks()} limit.
 */
public final class Dialects {
    public static final List<Function<SandboxSettings, Dialect>> ALL = List.of(
            UnifiedDialect::new, settings -> new KlingDialect(), ApiMartDialect::new, GatewayDialect::new);

    private Dialects() {
    }
}
