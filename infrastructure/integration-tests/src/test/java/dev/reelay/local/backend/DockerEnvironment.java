package dev.reelay.local.backend;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Whether a Docker engine can run the LocalStack backend, answered cheaply. Testcontainers' own
 * check ({@code DockerClientFactory.isDockerAvailable()}) tries each of its strategies, loads the
 * docker-java classes and logs an ERROR when none works: about 0.4 s in a fresh JVM on a machine
 * without Docker. This looks first where a Docker endpoint could be (the {@code DOCKER_HOST}
 * variable, {@code docker.host} in {@code ~/.testcontainers.properties}, the usual socket files) and
 * asks Testcontainers only when one is there; with none it answers at once, without loading
 * Testcontainers at all. The answer is kept for the JVM.
 */
public final class DockerEnvironment {
    /** @param available whether Docker can be used; {@code reason} says why not, or where it is */
    public record Probe(boolean available, String reason, Duration took) {
    }

    /** Where Docker could be, before anyone connects to it; empty {@code where} when nowhere. */
    record Candidate(Optional<String> where, List<String> looked) {
    }

    private static volatile Probe cached;

    private DockerEnvironment() {
    }

    /** The probe of this machine, done once per JVM. */
    public static Probe probe() {
        Probe probe = cached;
        if (probe == null) {
            synchronized (DockerEnvironment.class) {
                probe = cached;
                if (probe == null) {
                    long began = System.nanoTime();
                    Candidate candidate = candidate(System.getenv(), Path.of(System.getProperty("user.home")),
                            System.getProperty("os.name", ""), Files::exists);
                    probe = probe(candidate, DockerEnvironment::askTestcontainers);
                    // The whole check, the search for a candidate included.
                    probe = new Probe(probe.available(), probe.reason(), Duration.ofNanos(System.nanoTime() - began));
                    cached = probe;
                }
            }
        }
        return probe;
    }

    /** The whole probe: {@code testcontainers} is asked only when {@code candidate} found a place. */
    static Probe probe(Candidate candidate, BooleanSupplier testcontainers) {
        long began = System.nanoTime();
        if (candidate.where().isEmpty()) {
            return new Probe(false, "no Docker engine was found (looked at " + String.join(", ", candidate.looked()) + ")",
                    Duration.ofNanos(System.nanoTime() - began));
        }
        boolean reachable = testcontainers.getAsBoolean();
        return new Probe(reachable, reachable
                ? "Docker at " + candidate.where().get()
                : "Testcontainers could not use the Docker engine at " + candidate.where().get() + " (see its log above)",
                Duration.ofNanos(System.nanoTime() - began));
    }

    /**
     * The cheap part: environment, one small properties file and a few file-existence checks. The
     * sockets are those Testcontainers' strategies use (plain, rootless, Docker Desktop) and those
     * Colima, Rancher Desktop and OrbStack make.
     */
    static Candidate candidate(Map<String, String> environment, Path home, String osName, Predicate<Path> exists) {
        List<String> looked = new ArrayList<>();
        looked.add("DOCKER_HOST");
        String dockerHost = environment.get("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            if (dockerHost.startsWith("unix://")) {
                Path socket = Path.of(dockerHost.substring("unix://".length()));
                return new Candidate(exists.test(socket) ? Optional.of("DOCKER_HOST=" + dockerHost) : Optional.empty(),
                        List.of("DOCKER_HOST=" + dockerHost + " (no such socket)"));
            }
            return new Candidate(Optional.of("DOCKER_HOST=" + dockerHost), looked);
        }
        Path properties = home.resolve(".testcontainers.properties");
        looked.add(properties.toString());
        Optional<String> configured = dockerHostIn(properties, exists);
        if (configured.isPresent()) {
            return new Candidate(Optional.of("docker.host=" + configured.get() + " in " + properties), looked);
        }
        if (osName.toLowerCase(Locale.ROOT).startsWith("windows")) {
            return new Candidate(Optional.of("the Windows named pipe"), looked);
        }
        List<Path> sockets = new ArrayList<>(List.of(Path.of("/var/run/docker.sock")));
        String runtimeDir = environment.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            sockets.add(Path.of(runtimeDir, "docker.sock"));
        }
        for (String relative : List.of(".docker/run/docker.sock", ".docker/desktop/docker.sock", ".colima/default/docker.sock",
                ".colima/docker.sock", ".rd/docker.sock", ".orbstack/run/docker.sock")) {
            sockets.add(home.resolve(relative));
        }
        for (Path socket : sockets) {
            looked.add(socket.toString());
            if (exists.test(socket)) {
                return new Candidate(Optional.of(socket.toString()), looked);
            }
        }
        return new Candidate(Optional.empty(), looked);
    }

    private static Optional<String> dockerHostIn(Path file, Predicate<Path> exists) {
        if (!exists.test(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
        String host = properties.getProperty("docker.host");
        return host == null || host.isBlank() ? Optional.empty() : Optional.of(host.strip());
    }

    /** Loaded only here, so that a machine without Docker never loads Testcontainers for the check. */
    private static boolean askTestcontainers() {
        return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    }
}
