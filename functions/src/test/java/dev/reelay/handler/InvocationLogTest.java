package dev.reelay.handler;

import dev.reelay.application.TaskLog;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One invocation's log context: set on the way in, and the thread's own context back on the way out. */
class InvocationLogTest {

    @Test
    void anInvocationNamesItsFunctionRequestAndStepAndLeavesNothingBehind() {
        MDC.clear();
        MDC.put("outer", "kept");
        try (InvocationLog log = InvocationLog.open(new FixedContext("SettleBillingFunction", "req-1"), new ExampleStepHandler())) {
            TaskLog.taskId("task-1");
            assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of(TaskLog.FUNCTION, "SettleBillingFunction",
                    TaskLog.REQUEST_ID, "req-1", TaskLog.STEP, "ExampleStep", TaskLog.TASK_ID, "task-1"));
        }
        assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("outer", "kept"));
        MDC.clear();
    }

    /** A handler by name: the step is its name less "Handler". */
    private static final class ExampleStepHandler {
    }

    /** The two things the log context reads from Lambda's context. */
    private record FixedContext(String functionName, String requestId) implements com.amazonaws.services.lambda.runtime.Context {
        @Override public String getAwsRequestId() { return requestId; }
        @Override public String getLogGroupName() { return null; }
        @Override public String getLogStreamName() { return null; }
        @Override public String getFunctionName() { return functionName; }
        @Override public String getFunctionVersion() { return null; }
        @Override public String getInvokedFunctionArn() { return null; }
        @Override public com.amazonaws.services.lambda.runtime.CognitoIdentity getIdentity() { return null; }
        @Override public com.amazonaws.services.lambda.runtime.ClientContext getClientContext() { return null; }
        @Override public int getRemainingTimeInMillis() { return 0; }
        @Override public int getMemoryLimitInMB() { return 0; }
        @Override public com.amazonaws.services.lambda.runtime.LambdaLogger getLogger() { return null; }
    }
}
