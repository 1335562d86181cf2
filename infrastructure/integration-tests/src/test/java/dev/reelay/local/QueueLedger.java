package dev.reelay.local;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/** The queue's ledger as end-to-end tests see it in the local tasks table (docs/queue.md). */
final class QueueLedger {
    private QueueLedger() {
    }

    /**
     * Forgets the smaller caps (and pauses) vendors were given after refusing: a test that scripts refusals
     * would otherwise steer the next test's tasks to other vendors for the policy's back-off.
     */
    static void forgetRefusals(LocalRuntime runtime) {
        var dynamo = runtime.dynamo().client();
        dynamo.scan(s -> s.tableName(LocalRuntime.TASKS_TABLE).filterExpression("begins_with(" + TasksTableSchema.PARTITION_KEY + ", :vendor)")
                        .expressionAttributeValues(Map.of(":vendor", AttributeValue.fromS(TasksTableSchema.VENDOR_SLOTS_PREFIX))))
                .items().forEach(item -> dynamo.updateItem(u -> u.tableName(LocalRuntime.TASKS_TABLE)
                        .key(Map.of(TasksTableSchema.PARTITION_KEY, item.get(TasksTableSchema.PARTITION_KEY),
                                TasksTableSchema.SORT_KEY, item.get(TasksTableSchema.SORT_KEY)))
                        .updateExpression("REMOVE learnedCap, learnedUntil, pausedUntil")));
    }

    /** The tasks holding a slot at a vendor now. */
    static Map<String, AttributeValue> holders(LocalRuntime runtime, String provider) {
        Map<String, AttributeValue> item = runtime.dynamo().client().getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE)
                .key(TasksTableSchema.vendorSlotsKey(provider))).item();
        return item == null || !item.containsKey("holders") ? Map.of() : item.get("holders").m();
    }
}
