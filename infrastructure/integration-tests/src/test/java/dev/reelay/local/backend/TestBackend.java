package dev.reelay.local.backend;

import dev.reelay.local.LocalRuntime;
import dev.reelay.local.RepoLayout;
import org.junit.jupiter.api.Assumptions;

/**
 * The one way the end-to-end tests start the local runtime: on the engines {@link Backend#selected()}
 * names. {@link Backend#LOCAL} is {@code LocalRuntime.start(settings)}, unchanged.
 * {@link Backend#LOCALSTACK} puts the same runtime on {@link LocalStackEngines}. Classes using it
 * are annotated {@link EndToEnd}, which disables them before they start anything when LocalStack
 * cannot run here (no Docker engine), so that each test is reported as skipped. The assumption here
 * is the backstop for a caller without that annotation: the caller is aborted, never passed.
 */
public final class TestBackend {
    private TestBackend() {
    }

    /** The runtime on the selected backend ({@code -Dreelay.backend}, {@code REELAY_TEST_BACKEND}). */
    public static LocalRuntime start(LocalRuntime.Settings settings) throws Exception {
        return start(Backend.selected(), settings);
    }

    public static LocalRuntime start(Backend backend, LocalRuntime.Settings settings) throws Exception {
        return switch (backend) {
            case LOCAL -> LocalRuntime.start(settings);
            case LOCALSTACK -> {
                assumeDocker();
                yield LocalRuntime.start(settings, RepoLayout.locate(), LocalStackEngines::start);
            }
        };
    }

    /** Aborts the caller (reported as skipped) when no Docker engine is usable. */
    public static void assumeDocker() {
        DockerEnvironment.Probe docker = DockerEnvironment.probe();
        Assumptions.assumeTrue(docker.available(), () -> "The LocalStack backend needs a Docker engine, and "
                + docker.reason() + ": skipped, not run.");
    }
}
