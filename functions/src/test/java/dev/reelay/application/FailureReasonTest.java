package dev.reelay.application;

import dev.reelay.domain.task.Failure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailureReasonTest {

    @Test
    void recoversReelaysOwnCodeFromALambdaError() {
        Failure failure = FailureReason.from(new WorkflowState.StepError("dev.reelay.domain.error.PermanentFailureException",
                "{\"errorMessage\":\"provider_auth: unified answered 401\",\"errorType\":\"dev.reelay.domain.error.PermanentFailureException\"}"));
        assertThat(failure).isEqualTo(new Failure("provider_auth", "unified answered 401"));
    }

    @Test
    void namesAStepTimeout() {
        assertThat(FailureReason.from(new WorkflowState.StepError("States.Timeout", null)).code()).isEqualTo("step_timed_out");
    }

    @Test
    void keepsAnUnexpectedErrorReadable() {
        Failure failure = FailureReason.from(new WorkflowState.StepError("java.lang.NullPointerException",
                "{\"errorMessage\":\"boom\",\"errorType\":\"java.lang.NullPointerException\"}"));
        assertThat(failure.code()).isEqualTo("internal_error");
        assertThat(failure.message()).isEqualTo("java.lang.NullPointerException: boom");
    }

    @Test
    void copesWithNoErrorAtAll() {
        assertThat(FailureReason.from(null).code()).isEqualTo("internal_error");
    }
}
