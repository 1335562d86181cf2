package dev.reelay.application;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.domain.task.Failure;

/**
 * The state that flows through the video generation state machine, step to step.
 * <ul>
 *   <li>{@code status} drives the Choices: after submission {@code queued} (no vendor slot is free:
 *   wait to be woken, at most {@code waitSeconds}), {@code reconciling} (a submission's answer was lost:
 *   look or wait for the job before anything is submitted again) or {@code processing}; after a
 *   provider check {@code processing}, {@code completed} or {@code failed}. It is {@code completed} after
 *   billing and {@code failed} after RecordFailure, and the state machine sets {@code cancelled} in a webhook-only
 *   execution (MarkCancelled): the webhook loop carries it through, and TaskOutcome ends the execution by it
 *   (VideoReady, GenerationFailed, TaskCancelled).</li>
 *   <li>{@code awaitCallbacks}: the vendor calls back, so every wait of the polling loop waits for its
 *   callback, with {@code waitSeconds} as its timeout (docs/queue.md, "Every wait is a callback wait").</li>
 *   <li>{@code webhookStatus} drives the webhook loop: {@code none} (no callback_url),
 *   {@code delivered}, {@code retry} (after {@code webhookWaitSeconds}) or {@code gave_up};
 *   {@code webhookAttempts} counts the deliveries tried; on {@code gave_up}, {@code webhookDeadLetter} is the message
 *   the state machine puts on the webhook dead-letter queue.</li>
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
        Boolean awaitCallbacks,
        String webhookStatus,
        Integer webhookAttempts,
        Integer webhookWaitSeconds,
        WebhookDeadLetter webhookDeadLetter) {

    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String QUEUED = "queued";
    public static final String RECONCILING = "reconciling";
    /** Set by the state machine, not by a step: a webhook-only execution's task was cancelled. */
    public static final String CANCELLED = "cancelled";

    /** The {@code {"Error": ..., "Cause": ...}} object Step Functions writes for a caught error. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepError(@JsonProperty("Error") String error, @JsonProperty("Cause") String cause) {
    }

    /**
     * A webhook that never got through, as the state machine sends it to the webhook dead-letter queue:
     * {@code {"taskId", "callback_url", "task_status", "attempts", "last_error": {"Error", "Cause"}}}. When the
     * webhook step itself kept failing, the state machine writes {@code {"taskId", "last_error"}} instead, with
     * the step's error: the same {@code last_error} shape either way.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WebhookDeadLetter(@JsonProperty("taskId") String taskId, @JsonProperty("callback_url") String callbackUrl,
                                    @JsonProperty("task_status") String taskStatus, @JsonProperty("attempts") Integer attempts,
                                    @JsonProperty("last_error") StepError lastError) {
        /** The {@code last_error.Error} of a webhook given up after its attempts (or refused outright). */
        public static final String GAVE_UP = "WebhookGaveUp";
    }

    public static WorkflowState start(String taskId) {
        return new WorkflowState(taskId, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Submitted to a provider: the first wait, the overall deadline and whether waits await callbacks are set. */
    static WorkflowState submitted(String taskId, String provider, String providerTaskId, int firstWait,
                                   String deadline, boolean awaitCallbacks) {
        return new WorkflowState(taskId, provider, providerTaskId, 0, firstWait, deadline, PROCESSING, null, null, null,
                awaitCallbacks, null, null, null, null);
    }

    /** No slot is free: the workflow waits to be woken by a grant, or looks again after {@code recheckSeconds}. */
    static WorkflowState queued(String taskId, int recheckSeconds) {
        return new WorkflowState(taskId, null, null, null, recheckSeconds, null, QUEUED, null, null, null,
                null, null, null, null, null);
    }

    /** A submission to {@code provider} got no answer: the workflow looks again (or waits for its callback) after {@code waitSeconds}. */
    static WorkflowState reconciling(String taskId, String provider, int waitSeconds, boolean awaitCallbacks) {
        return new WorkflowState(taskId, provider, null, null, waitSeconds, null, RECONCILING, null, null, null,
                awaitCallbacks, null, null, null, null);
    }

    WorkflowState processing(int checks, int waitSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, waitSeconds, deadline, PROCESSING, null, null, null,
                awaitCallbacks, null, null, null, null);
    }

    WorkflowState completed(String videoUrl) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, COMPLETED, videoUrl, null, null,
                awaitCallbacks, null, null, null, null);
    }

    WorkflowState failed(Failure why) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, null, deadline, FAILED, null, why, error,
                awaitCallbacks, webhookStatus, webhookAttempts, webhookWaitSeconds, webhookDeadLetter);
    }

    /** The state after a webhook delivery attempt (or the finding that there is none to make). */
    public WorkflowState webhook(String status, int attempts, Integer waitSeconds) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, this.waitSeconds, deadline, this.status, videoUrl,
                failure, error, awaitCallbacks, status, attempts, waitSeconds, null);
    }

    /** The webhook was given up ({@code gave_up}): the state carries the message for the dead-letter queue. */
    public WorkflowState webhookGaveUp(int attempts, WebhookDeadLetter deadLetter) {
        return new WorkflowState(taskId, provider, providerTaskId, checks, this.waitSeconds, deadline, this.status, videoUrl,
                failure, error, awaitCallbacks, DeliverWebhook.GAVE_UP, attempts, null, deadLetter);
    }
}
