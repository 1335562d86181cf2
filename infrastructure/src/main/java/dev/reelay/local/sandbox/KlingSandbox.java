package dev.reelay.local.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A {@link Sandbox} speaking Kling's official API, with a fresh access key and secret key of its own. */
public final class KlingSandbox implements AutoCloseable {
    private final Sandbox sandbox;
    private final KlingDialect dialect;

    private KlingSandbox(Sandbox sandbox, KlingDialect dialect) {
        this.sandbox = sandbox;
        this.dialect = dialect;
    }

    /** Starts the sandbox over plain HTTP on 127.0.0.1 at a free port, with no concurrency limit. */
    public static KlingSandbox start(SandboxSettings settings) throws IOException {
        return start(settings, false);
    }

    /** Starts the sandbox on 127.0.0.1 at a free port; with tls, over HTTPS (see {@link #caPemPath()}). */
    public static KlingSandbox start(SandboxSettings settings, boolean tls) throws IOException {
        return start(settings, tls, KlingDialect.UNLIMITED);
    }

    /**
     * As {@link #start(SandboxSettings, boolean)}, refusing a create with 429 / 1303 while maxParallelTasks
     * tasks are submitted or processing.
     */
    public static KlingSandbox start(SandboxSettings settings, boolean tls, int maxParallelTasks) throws IOException {
        KlingDialect dialect = new KlingDialect(maxParallelTasks);
        return new KlingSandbox(Sandbox.start(dialect, settings, tls), dialect);
    }

    public URI baseUrl() {
        return sandbox.baseUrl();
    }

    /** The JWT's {@code iss}. */
    public String accessKey() {
        return dialect.accessKey();
    }

    /** The JWT's HS256 key. */
    public String secretKey() {
        return dialect.secretKey();
    }

    /** The certificate to trust (PEM) when serving HTTPS. */
    public Optional<Path> caPemPath() {
        return sandbox.caPemPath();
    }

    /** How many create calls (both routes) reached the sandbox, accepted or not. */
    public int createRequests() {
        return sandbox.createRequests();
    }

    /** Faults to script into this sandbox. */
    public SandboxFaults faults() {
        return sandbox.faults();
    }

    /** The ids of the tasks it accepted, in order. */
    public List<String> taskIds() {
        return sandbox.taskIds();
    }

    /** Stops serving, rendering and calling back, and deletes every video. */
    @Override
    public void close() {
        sandbox.close();
    }
}
