package dev.reelay.port;

/** Starts the durable workflow that carries a task from provider submission to billing. */
public interface Workflow {

    /** Starts the workflow for a task; starting it again for the same task is harmless. */
    void start(String taskId);

    /**
     * Resumes a step waiting on {@code taskToken} with its output. False when that wait is already
     * over (it timed out, or another callback resumed it): a late or duplicate callback is harmless.
     */
    boolean resume(String taskToken, String outputJson);

    /**
     * Stops the task's workflow (it was cancelled). Harmless when it has already ended or never
     * existed. A step that was already running finishes, but its result is dropped.
     */
    void stop(String taskId, String cause);

    /**
     * Starts a run that only delivers the webhook of a cancelled task (which ended outside its
     * workflow), with the same signed delivery and retries as the workflow's own. Harmless to repeat.
     */
    void deliverCancellationWebhook(String taskId);

    /** Whether the task's workflow is still running: a slot held by a task whose workflow died is taken back. */
    boolean running(String taskId);
}
