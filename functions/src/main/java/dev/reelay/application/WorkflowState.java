package dev.reelay.application;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.domain.task.Failure;

/**
 * The state that flows through the video generation state machine, step to step.
 * <ul>
 *   <li>{@code status} drives the Choice after a provider check: {@code processing},
 *   {@code completed} or {@code failed}.</li>
 *   <li>{@code callbackTimeoutSeconds} bounds the wait for the provider's callback; when it runs out
 *   the execution falls back to polling.</li>
 *   <li>{@code webhookStatus} drives the webhook loop: {@code none} (no callback_url),
 *   {@code delivered}, {@code retry} (after {@code webhookWaitSeconds}) or {@code gave_up};
 *   {@code webhookAttempts} counts the deliveries tried.</li>
 *   <li>{@code error} is where a Catch puts the error of a failed step.</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowState(
        String taskId,
        String provider,
        String providerTaskId,
        Integer checks,
        Integer waitSeconds,
        String deadline,
        String status,
        String videoUrl,
        Failure failure,
        StepError error,
        Integer callbackTimeoutSeconds,
        String webhookStatus,
        Integer webhookAttempts,
        Integer webhookWaitSeconds) {

    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    /** The {@code {"Error": ..., "Cause": ...}} object Step Functions writes for a caught error. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepError(@JsonProperty("Error") String error, @JsonProperty("Cause") String cause) {
    }

    public static WorkflowState start(String taskId) {
        return new WorkflowState(taskId, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Submitted to a provider: the first wait, the overall deadline and the callback wait are set. */
    static WorkflowState submitted(String taskId, String provider, String providerTaskId, int firstWait,
                                   String deadline, int callbackTimeoutSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, 0, firstWait, deadline, PROCESSING, null, null, null,
                callbackTimeoutSeconds, null, null, null);
    }

    WorkflowState processing(int checks, int waitSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, waitSeconds, deadline, PROCESSING, null, null, null,
                callbackTimeoutSeconds, null, null, null);
    }

    WorkflowState completed(String videoUrl) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, COMPLETED, videoUrl, null, null,
                callbackTimeoutSeconds, null, null, null);
    }

    WorkflowState failed(Failure why) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, FAILED, null, why, error,
                callbackTimeoutSeconds, webhookStatus, webhookAttempts, webhookWaitSeconds);
    }

    /** The state after a webhook delivery attempt (or the finding that there is none to make). */
    public WorkflowState webhook(String status, int attempts, Integer waitSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, this.waitSeconds, deadline, this.status, videoUrl,
                failure, error, callbackTimeoutSeconds, status, attempts, waitSeconds);
    }
}
