package dev.reelay.application;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.domain.task.Failure;

/**
 * The state that flows through the video generation state machine, step to step. {@code status}
 * drives its Choice state: {@code processing}, {@code completed} or {@code failed}. {@code error}
 * is where a Catch puts the error of a failed step.
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
        StepError error) {

    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    /** The {@code {"Error": ..., "Cause": ...}} object Step Functions writes for a caught error. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepError(@JsonProperty("Error") String error, @JsonProperty("Cause") String cause) {
    }

    public static WorkflowState start(String taskId) {
        return new WorkflowState(taskId, null, null, null, null, null, null, null, null, null);
    }

    WorkflowState processing(int checks, int waitSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, waitSeconds, deadline, PROCESSING, null, null, null);
    }

    WorkflowState completed(String videoUrl) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, COMPLETED, videoUrl, null, null);
    }

    WorkflowState failed(Failure why) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, FAILED, null, why, error);
    }
}
