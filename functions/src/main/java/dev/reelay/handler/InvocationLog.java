package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import dev.reelay.application.TaskLog;
import org.slf4j.MDC;

import java.util.Map;

/**
 * Opens one invocation's log context: the function, the request id and the step (the handler's
 * name less "Handler"), to which the use cases add the task, its owner and its vendor. Closing it
 * puts back what the thread had before, so that nothing leaks into the next invocation (locally,
 * threads are shared by all functions).
 */
final class InvocationLog implements AutoCloseable {
    private final Map<String, String> before;

    private InvocationLog(Map<String, String> before) {
        this.before = before;
    }

    static InvocationLog open(Context context, Object handler) {
        InvocationLog log = new InvocationLog(MDC.getCopyOfContextMap());
        MDC.clear();
        if (context != null) {
            putIfPresent(TaskLog.FUNCTION, context.getFunctionName());
            putIfPresent(TaskLog.REQUEST_ID, context.getAwsRequestId());
        }
        MDC.put(TaskLog.STEP, handler.getClass().getSimpleName().replaceFirst("Handler$", ""));
        return log;
    }

    private static void putIfPresent(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        if (before == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(before);
        }
    }
}
