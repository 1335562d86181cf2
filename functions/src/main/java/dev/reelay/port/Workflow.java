package dev.reelay.port;

/** Starts the durable workflow that carries a task from provider submission to billing. */
public interface Workflow {

    /** Starts the workflow for a task; starting it again for the same task is harmless. */
    void start(String taskId);
}
