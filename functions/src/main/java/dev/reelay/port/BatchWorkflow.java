package dev.reelay.port;

/** Starts the durable workflow that creates a batch's tasks, follows them and ends the batch. */
public interface BatchWorkflow {

    /** Starts the batch's workflow; starting it again for the same batch is harmless. */
    void start(String batchId);
}
