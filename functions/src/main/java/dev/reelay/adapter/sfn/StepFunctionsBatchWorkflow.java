package dev.reelay.adapter.sfn;

import dev.reelay.port.BatchWorkflow;
import software.amazon.awssdk.services.sfn.SfnClient;

/** One execution of the batch state machine ({@code statemachine/batch.asl.json}) per batch, named after it. */
public final class StepFunctionsBatchWorkflow implements BatchWorkflow {
    private final SfnClient sfn;
    private final String stateMachineArn;

    public StepFunctionsBatchWorkflow(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    @Override
    public void start(String batchId) {
        StepFunctionsWorkflow.startOnce(sfn, stateMachineArn, batchId, "{\"batchId\":\"" + batchId + "\"}");
    }
}
