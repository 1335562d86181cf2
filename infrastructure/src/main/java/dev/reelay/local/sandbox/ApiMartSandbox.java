package dev.reelay.local.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A {@link Sandbox} speaking APIMart's dialect (seed 002), with the API key from its settings. */
public final class ApiMartSandbox implements AutoCloseable {
    private final Sandbox sandbox;
    private final String apiKey;

    private ApiMartSandbox(Sandbox sandbox, String apiKey) {
        this.sandbox = sandbox;
        this.apiKey = apiKey;
    }

    /** Starts the sandbox over plain HTTP on 127.0.0.1 at a free port. */
    public static ApiMartSandbox start(SandboxSettings settings) throws IOException {
        return start(settings, false);
    }

    /** Starts the sandbox on 127.0.0.1 at a free port; with tls, over HTTPS (see {@link #caPemPath()}). */
    public static ApiMartSandbox start(SandboxSettings settings, boolean tls) throws IOException {
        return new ApiMartSandbox(Sandbox.start(new ApiMartDialect(settings), settings, tls), settings.apiKey());
    }

    public URI baseUrl() {
        return sandbox.baseUrl();
    }

    public String apiKey() {
        return apiKey;
    }

    /** The certificate to trust (PEM) when serving HTTPS. */
    public Optional<Path> caPemPath() {
        return sandbox.caPemPath();
    }

    /** How many {@code POST /v1/videos/generations} reached the sandbox, accepted or not. */
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
