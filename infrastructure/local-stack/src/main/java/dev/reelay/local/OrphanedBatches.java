package dev.reelay.local;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.port.BatchWorkflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/**
 * As {@link OrphanedTasks}, for batches: a batch still running when the local stack stopped has lost
 * its workflow with the Node process. At start, its workflow is started again. Its step is safe to
 * run again (docs/batches.md, "How a batch runs"): it makes the requests not made yet, sees the
 * tasks {@link OrphanedTasks} ended, and ends the batch with its results and webhook.
 */
final class OrphanedBatches {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedBatches.class);

    private OrphanedBatches() {
    }

    /** @return how many batches were resumed */
    static int resumeAll(DynamoDbClient dynamo, String table, BatchWorkflow workflow) {
        int resumed = 0;
        // A full scan is fine for a local, single-user table; AWS has no such sweep to do.
        for (Map<String, AttributeValue> item : dynamo.scanPaginator(scan -> scan.tableName(table)
                .filterExpression(TasksTableSchema.SORT_KEY + " = :batch AND #status IN (:validating, :inProgress)")
                .expressionAttributeNames(Map.of("#status", TasksTableSchema.STATUS))
                .expressionAttributeValues(Map.of(":batch", AttributeValue.fromS(TasksTableSchema.BATCH_SORT_KEY),
                        ":validating", AttributeValue.fromS(BatchStatus.VALIDATING.wire()),
                        ":inProgress", AttributeValue.fromS(BatchStatus.IN_PROGRESS.wire()))))
                .items()) {
            workflow.start(item.get("batchId").s());
            resumed++;
        }
        if (resumed > 0) {
            LOG.warn("Resumed {} batch(es) left running by an earlier run of the local stack", resumed);
        }
        return resumed;
    }
}
