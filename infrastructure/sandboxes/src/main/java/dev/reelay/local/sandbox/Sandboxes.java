package dev.reelay.local.sandbox;

import java.io.IOException;

/**
 * Starts one vendor's sandbox on 127.0.0.1 at a free port; with {@code tls}, over HTTPS. Each honours the
 * settings' {@link SandboxSettings#maxParallelTasks()}, refusing more with the vendor's own concurrency error.
 * The dialects come from {@link Dialects#ALL}.
 */
public final class Sandboxes {
    private Sandboxes() {
    }

    public static Sandbox start(String vendor, SandboxSettings settings, boolean tls) throws IOException {
        return Sandbox.start(Dialects.named(vendor, settings), settings, tls);
    }

    public static Sandbox unified(SandboxSettings settings, boolean tls) throws IOException {
        return start("unified", settings, tls);
    }

    public static Sandbox kling(SandboxSettings settings, boolean tls) throws IOException {
        return start("kling", settings, tls);
    }

    /**
     * Kling counts parallel tasks per account: over {@code maxParallelTasks}, a create gets 429 with code 1303.
     * The same as {@code kling(settings.withMaxParallelTasks(maxParallelTasks), tls)}.
     */
    public static Sandbox kling(SandboxSettings settings, boolean tls, int maxParallelTasks) throws IOException {
        return kling(settings.withMaxParallelTasks(maxParallelTasks), tls);
    }

    public static Sandbox apimart(SandboxSettings settings, boolean tls) throws IOException {
        return start("apimart", settings, tls);
    }

    public static Sandbox gateway(SandboxSettings settings, boolean tls) throws IOException {
        return start("gateway", settings, tls);
    }
}
