package dev.reelay.adapter.sfn;

import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Starts one execution of the video generation state machine per task, named after the task, resumes
 * its waits and stops it. A cancelled task's webhook goes out in a second, webhook-only execution of
 * the same machine, named {@code <task id>-cancelled}.
 */
public final class StepFunctionsWorkflow implements Workflow {
    private static final Logger LOG = LoggerFactory.getLogger(StepFunctionsWorkflow.class);
    /** The suffix of a cancelled task's webhook-only execution. */
    public static final String CANCELLED_SUFFIX = "-cancelled";
    /** The error a stopped execution records. */
    static final String STOP_ERROR = "TaskCancelled";

    private final SfnClient sfn;
    private final String stateMachineArn;

    public StepFunctionsWorkflow(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    @Override
    public void start(String taskId) {
        startExecution(taskId, "{\"taskId\":\"" + taskId + "\"}");
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

    @Override
    public void stop(String taskId, String cause) {
        try {
            sfn.stopExecution(stop -> stop.executionArn(executionArn(stateMachineArn, taskId)).error(STOP_ERROR).cause(cause));
        } catch (ExecutionDoesNotExistException none) {
            LOG.info("Task {} has no execution to stop", taskId);
        }
    }

    @Override
    public void deliverCancellationWebhook(String taskId) {
        startExecution(taskId + CANCELLED_SUFFIX, "{\"taskId\":\"" + taskId + "\",\"deliverWebhookOnly\":true}");
    }

    @Override
    public boolean running(String taskId) {
        try {
            return sfn.describeExecution(d -> d.executionArn(executionArn(stateMachineArn, taskId))).status()
                    == software.amazon.awssdk.services.sfn.model.ExecutionStatus.RUNNING;
        } catch (ExecutionDoesNotExistException none) {
            return false;
        }
    }

    private void startExecution(String name, String input) {
        startOnce(sfn, stateMachineArn, name, input);
    }

    /** Starts the execution {@code name} unless it was started before: executions are named after what they carry. */
    static void startOnce(SfnClient sfn, String stateMachineArn, String name, String input) {
        try {
            sfn.startExecution(start -> start.stateMachineArn(stateMachineArn).name(name).input(input));
        } catch (ExecutionAlreadyExistsException alreadyStarted) {
            // Started before: nothing to do.
        }
    }

    /**
     * {@code arn:aws:states:<region>:<account>:stateMachine:<machine>} names its executions
     * {@code arn:aws:states:<region>:<account>:execution:<machine>:<execution name>}.
     */
    public static String executionArn(String stateMachineArn, String executionName) {
        if (!stateMachineArn.contains(":stateMachine:")) {
            throw new IllegalArgumentException("Not a state machine ARN: " + stateMachineArn);
        }
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + executionName;
    }
}
