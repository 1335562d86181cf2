package dev.reelay.local.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The cheap Docker check: Testcontainers is asked only where a Docker endpoint could be. */
class DockerEnvironmentTest {
    @TempDir
    Path home;

    @Test
    void withNoDockerHostNoConfigAndNoSocketThereIsNoCandidate() {
        DockerEnvironment.Candidate candidate = DockerEnvironment.candidate(Map.of(), home, "Linux", path -> false);

        assertThat(candidate.where()).isEmpty();
        assertThat(candidate.looked()).contains("DOCKER_HOST", "/var/run/docker.sock",
                home.resolve(".docker/run/docker.sock").toString(), home.resolve(".testcontainers.properties").toString());
    }

    @Test
    void withoutACandidateTestcontainersIsNeverAskedAndTheAnswerIsImmediate() {
        AtomicInteger asked = new AtomicInteger();
        DockerEnvironment.Candidate none = DockerEnvironment.candidate(Map.of(), home, "Linux", path -> false);

        DockerEnvironment.Probe probe = DockerEnvironment.probe(none, () -> {
            asked.incrementAndGet();
            return true;
        });

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).startsWith("no Docker engine was found (looked at DOCKER_HOST, ");
        assertThat(asked).hasValue(0);
        assertThat(probe.took()).isLessThan(Duration.ofMillis(200));
    }

    @Test
    void aCandidateIsConfirmedByTestcontainers() {
        DockerEnvironment.Candidate socket = DockerEnvironment.candidate(Map.of(), home, "Linux",
                path -> path.toString().equals("/var/run/docker.sock"));
        assertThat(socket.where()).contains("/var/run/docker.sock");

        assertThat(DockerEnvironment.probe(socket, () -> true).available()).isTrue();
        DockerEnvironment.Probe deadDaemon = DockerEnvironment.probe(socket, () -> false);
        assertThat(deadDaemon.available()).isFalse();
        assertThat(deadDaemon.reason()).contains("could not use the Docker engine at /var/run/docker.sock");
    }

    @Test
    void dockerHostIsACandidateUnlessItNamesAMissingSocket() {
        assertThat(DockerEnvironment.candidate(Map.of("DOCKER_HOST", "tcp://10.0.0.5:2376"), home, "Linux", path -> false).where())
                .contains("DOCKER_HOST=tcp://10.0.0.5:2376");
        assertThat(DockerEnvironment.candidate(Map.of("DOCKER_HOST", "unix:///run/podman.sock"), home, "Linux",
                path -> path.equals(Path.of("/run/podman.sock"))).where()).contains("DOCKER_HOST=unix:///run/podman.sock");
        DockerEnvironment.Candidate missing = DockerEnvironment.candidate(Map.of("DOCKER_HOST", "unix:///nowhere.sock"), home,
                "Linux", path -> !path.equals(Path.of("/nowhere.sock")));
        assertThat(missing.where()).isEmpty();
        assertThat(missing.looked()).containsExactly("DOCKER_HOST=unix:///nowhere.sock (no such socket)");
    }

    @Test
    void dockerHostInTestcontainersPropertiesIsACandidate() throws IOException {
        Files.writeString(home.resolve(".testcontainers.properties"), "docker.host=tcp\\://builder:2375\nryuk.disabled=true\n");

        assertThat(DockerEnvironment.candidate(Map.of(), home, "Linux", Files::exists).where())
                .hasValueSatisfying(where -> assertThat(where).startsWith("docker.host=tcp://builder:2375 in "));
    }

    @Test
    void rootlessAndDesktopSocketsAreCandidates() {
        Set<Path> sockets = Set.of(Path.of("/run/user/1000/docker.sock"), home.resolve(".colima/default/docker.sock"));

        assertThat(DockerEnvironment.candidate(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), home, "Linux", sockets::contains).where())
                .contains("/run/user/1000/docker.sock");
        assertThat(DockerEnvironment.candidate(Map.of(), home, "Mac OS X", sockets::contains).where())
                .contains(home.resolve(".colima/default/docker.sock").toString());
        assertThat(DockerEnvironment.candidate(Map.of(), home, "Windows 11", path -> false).where()).contains("the Windows named pipe");
    }

    @Test
    void thisMachinesProbeIsFastWhenThereIsNoDockerToFind() {
        DockerEnvironment.Candidate here = DockerEnvironment.candidate(System.getenv(), Path.of(System.getProperty("user.home")),
                System.getProperty("os.name", ""), Files::exists);
        DockerEnvironment.Probe probe = DockerEnvironment.probe();
        System.out.println("Docker probe on this machine: " + probe);
        if (here.where().isEmpty()) {
            // Testcontainers' own check took about 400 ms here (no Docker); this one a millisecond or less.
            assertThat(probe.available()).isFalse();
            assertThat(probe.took()).isLessThan(Duration.ofMillis(200));
        }
        assertThat(DockerEnvironment.probe()).isSameAs(probe);
    }
}
