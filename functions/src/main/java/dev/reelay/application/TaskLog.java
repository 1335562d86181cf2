package dev.reelay.application;

import dev.reelay.domain.task.Task;
import org.slf4j.MDC;

/**
 * The context every log line of a task's work carries (docs/operations.md, "Logs"): set here by
 * the use cases as soon as they know the task, and by the handlers for the invocation. In JSON
 * lines each key is a field of its own, so CloudWatch Logs Insights can filter on it.
 */
public final class TaskLog {
    public static final String TASK_ID = "taskId";
    /** The name of the API key that owns the task (never the key itself). */
    public static final String KEY_NAME = "keyName";
    public static final String PROVIDER = "provider";
    /** What the invocation does: {@code SubmitVideo}, {@code CheckStatus}, ... (the handler, less "Handler"). */
    public static final String STEP = "step";
    /** The Lambda function, as its context names it (locally, the template's logical name). */
    public static final String FUNCTION = "function";
    public static final String REQUEST_ID = "requestId";

    private TaskLog() {
    }

    /** The task, its owner and its vendor (once it has one). */
    public static void task(Task task) {
        taskId(task.id());
        put(KEY_NAME, task.ownerKeyId());
        put(PROVIDER, task.provider());
    }

    /** Forgets the task of the work before: an invocation that handles several (S3 records) starts each afresh. */
    public static void clearTask() {
        MDC.remove(TASK_ID);
        MDC.remove(KEY_NAME);
        MDC.remove(PROVIDER);
    }

    public static void taskId(String taskId) {
        put(TASK_ID, taskId);
    }

    public static void keyName(String keyName) {
        put(KEY_NAME, keyName);
    }

    public static void provider(String provider) {
        put(PROVIDER, provider);
    }

    /**
     * For lines about another task than the one at work (the queue hands a slot to the next in line):
     * its id while the scope is open, then the task at work again.
     */
    public static Scope about(String taskId) {
        String before = MDC.get(TASK_ID);
        taskId(taskId);
        return () -> {
            if (before == null) {
                MDC.remove(TASK_ID);
            } else {
                MDC.put(TASK_ID, before);
            }
        };
    }

    /** A log context that is put back when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }
}
