package dev.reelay.local.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one switch: -Dreelay.backend, then REELAY_TEST_BACKEND, then local. */
class BackendTest {
    @Test
    void nothingSetIsLocal() {
        assertThat(Backend.select(null, null)).isEqualTo(Backend.LOCAL);
        assertThat(Backend.select("", "  ")).isEqualTo(Backend.LOCAL);
    }

    @Test
    void eitherNameIsReadWhateverItsCaseAndSpaces() {
        assertThat(Backend.parse("local")).isEqualTo(Backend.LOCAL);
        assertThat(Backend.parse("localstack")).isEqualTo(Backend.LOCALSTACK);
        assertThat(Backend.parse(" LocalStack\n")).isEqualTo(Backend.LOCALSTACK);
        assertThat(Backend.LOCALSTACK.id()).isEqualTo("localstack");
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironment() {
        assertThat(Backend.select("local", "localstack")).isEqualTo(Backend.LOCAL);
        assertThat(Backend.select("localstack", "local")).isEqualTo(Backend.LOCALSTACK);
    }

    @Test
    void aBlankSystemPropertyLeavesItToTheEnvironment() {
        assertThat(Backend.select("", "localstack")).isEqualTo(Backend.LOCALSTACK);
        assertThat(Backend.select(null, "LOCALSTACK")).isEqualTo(Backend.LOCALSTACK);
    }

    @Test
    void anUnknownBackendIsAnErrorNotASilentFallback() {
        assertThatThrownBy(() -> Backend.select("localstak", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'localstak'").hasMessageContaining("-Dreelay.backend")
                .hasMessageContaining("REELAY_TEST_BACKEND").hasMessageContaining("local, localstack");
        assertThatThrownBy(() -> Backend.select(null, "docker")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisBuildSelectsWhatItWasAsked() {
        String property = System.getProperty(Backend.PROPERTY);
        String environment = System.getenv(Backend.ENVIRONMENT);
        Backend expected = property != null && !property.isBlank() ? Backend.parse(property) : Backend.parse(environment);
        assertThat(Backend.selected()).isEqualTo(expected);
    }

    @Test
    void endToEndClassesRunOnTheLocalBackendWithoutLookingForDocker() {
        ConditionEvaluationResult local = EndToEnd.Condition.evaluate(Backend.LOCAL, () -> {
            throw new AssertionError("Docker was looked for");
        });

        assertThat(local.isDisabled()).isFalse();
    }

    @Test
    void endToEndClassesOnLocalStackAreDisabledWithTheReasonWhenThereIsNoDocker() {
        ConditionEvaluationResult noDocker = EndToEnd.Condition.evaluate(Backend.LOCALSTACK,
                () -> new DockerEnvironment.Probe(false, "no Docker engine was found (looked at DOCKER_HOST)", Duration.ZERO));
        ConditionEvaluationResult docker = EndToEnd.Condition.evaluate(Backend.LOCALSTACK,
                () -> new DockerEnvironment.Probe(true, "Docker at /var/run/docker.sock", Duration.ZERO));

        assertThat(noDocker.isDisabled()).isTrue();
        assertThat(noDocker.getReason().orElseThrow()).contains("-Dreelay.backend=localstack needs a Docker engine, and no Docker engine was found");
        assertThat(docker.isDisabled()).isFalse();
    }
}
