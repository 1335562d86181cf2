package dev.reelay.adapter.sfn;

import dev.reelay.port.Workflow;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/** Starts one execution of the video generation state machine per task, named after the task, and resumes its waits. */
public final class StepFunctionsWorkflow implements Workflow {
    private final SfnClient sfn;
    private final String stateMachineArn;

    public StepFunctionsWorkflow(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    @Override
    public void start(String taskId) {
        try {
            sfn.startExecution(start -> start.stateMachineArn(stateMachineArn).name(taskId)
                    .input("{\"taskId\":\"" + taskId + "\"}"));
        } catch (ExecutionAlreadyExistsException alreadyStarted) {
            // An execution is named after its task, so this one is already running: nothing to do.
        }
    }

    @Override
    public boolean resume(String taskToken, String outputJson) {
        try {
            sfn.sendTaskSuccess(success -> success.taskToken(taskToken).output(outputJson));
            return true;
        } catch (TaskTimedOutException | TaskDoesNotExistException | InvalidTokenException waitIsOver) {
            return false;
        }
    }
}
