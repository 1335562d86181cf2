package dev.reelay.local;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.Map;

/**
 * The local stack keeps its tables on disk, but its executions live in the Node process: a task
 * still running when the stack stopped has lost its workflow. At start, such tasks are ended
 * failed at no charge, so that every accepted task still ends in a recorded final state. Tasks
 * that ended (completed, failed or cancelled) are left alone.
 */
final class OrphanedTasks {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedTasks.class);
    static final Failure STACK_RESTARTED = new Failure("local_stack_restarted",
            "The local stack stopped while this task was running; it was not charged.");

    private OrphanedTasks() {
    }

    /** @return how many tasks were ended */
    static int endAll(DynamoDbClient dynamo, String table, TaskStore store, Clock clock) {
        int ended = 0;
        // A full scan is fine for a local, single-user table; AWS has no such sweep to do.
        for (Map<String, AttributeValue> item : dynamo.scanPaginator(scan -> scan.tableName(table)
                .filterExpression(TasksTableSchema.SORT_KEY + " = :task AND #status IN (:pending, :processing)")
                .expressionAttributeNames(Map.of("#status", TasksTableSchema.STATUS))
                .expressionAttributeValues(Map.of(":task", AttributeValue.fromS(TasksTableSchema.TASK_SORT_KEY),
                        ":pending", AttributeValue.fromS(TaskStatus.PENDING.wire()),
                        ":processing", AttributeValue.fromS(TaskStatus.PROCESSING.wire()))))
                .items()) {
            String taskId = item.get(TasksTableSchema.TASK_ID).s();
            if (store.markFailed(taskId, STACK_RESTARTED, new TimelineEvent(TimelineEvent.FAILED, clock.instant(), STACK_RESTARTED.code()))) {
                ended++;
            }
        }
        if (ended > 0) {
            LOG.warn("Ended {} task(s) left running by an earlier run of the local stack", ended);
        }
        return ended;
    }
}
