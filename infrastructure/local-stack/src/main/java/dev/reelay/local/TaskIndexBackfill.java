package dev.reelay.local;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.domain.task.TaskCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.Map;

/**
 * The launcher keeps its table on disk: tasks recorded before the owner index existed lack its sort
 * key, so {@code GET /v1/tasks} would not list them. At start they are given it, once.
 */
final class TaskIndexBackfill {
    private static final Logger LOG = LoggerFactory.getLogger(TaskIndexBackfill.class);

    private TaskIndexBackfill() {
    }

    /** @return how many tasks were given the index's sort key */
    static int run(DynamoDbClient dynamo, String table) {
        int filled = 0;
        // A full scan is fine for a local, single-user table, and finds nothing after the first run.
        for (Map<String, AttributeValue> item : dynamo.scanPaginator(scan -> scan.tableName(table)
                .filterExpression(TasksTableSchema.SORT_KEY + " = :task AND attribute_not_exists(#sort)")
                .expressionAttributeNames(Map.of("#sort", TasksTableSchema.CREATED_AT_TASK_ID))
                .expressionAttributeValues(Map.of(":task", AttributeValue.fromS(TasksTableSchema.TASK_SORT_KEY)))).items()) {
            String taskId = item.get(TasksTableSchema.TASK_ID).s();
            String sortKey = new TaskCursor(Instant.parse(item.get(TasksTableSchema.CREATED_AT).s()), taskId).sortKey();
            dynamo.updateItem(update -> update.tableName(table).key(TasksTableSchema.taskKey(taskId))
                    .updateExpression("SET #sort = :sort")
                    .expressionAttributeNames(Map.of("#sort", TasksTableSchema.CREATED_AT_TASK_ID))
                    .expressionAttributeValues(Map.of(":sort", AttributeValue.fromS(sortKey))));
            filled++;
        }
        if (filled > 0) {
            LOG.info("Indexed {} task(s) recorded by an earlier version of the local stack", filled);
        }
        return filled;
    }
}
