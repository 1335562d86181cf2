package dev.reelay.local.engines;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_INDEX;

/**
 * The tasks table as {@link TasksTableSchema} describes it (and template.yaml declares it), made on
 * whichever DynamoDB engine the runtime runs on.
 */
public final class TasksTable {

    private TasksTable() {
    }

    /**
     * The tasks table: a partition key and a sort key, on demand, and the sparse owner index, as in
     * template.yaml. A table kept from an earlier run of the launcher is reused, and given the index
     * if it was made before the index existed. Time to live is on the schema's TTL attribute, as in
     * template.yaml (DynamoDB Local records the setting but never deletes expired items; the code
     * treats them as absent).
     */
    public static void ensure(DynamoDbClient client, String name) {
        try {
            client.createTable(create -> create.tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(TasksTableSchema.KEY_ATTRIBUTES.stream().map(TasksTable::attribute).toList())
                    .keySchema(key(TasksTableSchema.PARTITION_KEY, KeyType.HASH), key(TasksTableSchema.SORT_KEY, KeyType.RANGE))
                    .globalSecondaryIndexes(ownerIndex()));
        } catch (ResourceInUseException alreadyThere) {
            boolean indexed = client.describeTable(d -> d.tableName(name)).table().globalSecondaryIndexes().stream()
                    .anyMatch(index -> index.indexName().equals(OWNER_INDEX.name()));
            if (!indexed) {
                client.updateTable(update -> update.tableName(name)
                        .attributeDefinitions(attribute(OWNER_INDEX.partitionKey()), attribute(OWNER_INDEX.sortKey()))
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(OWNER_INDEX.name())
                                .keySchema(ownerIndex().keySchema()).projection(p -> p.projectionType(ProjectionType.ALL)))));
            }
        }
        var ttl = client.describeTimeToLive(d -> d.tableName(name)).timeToLiveDescription();
        if (ttl == null || ttl.attributeName() == null) {
            client.updateTimeToLive(u -> u.tableName(name)
                    .timeToLiveSpecification(t -> t.attributeName(TasksTableSchema.TTL_ATTRIBUTE).enabled(true)));
        }
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String attribute, KeyType type) {
        return KeySchemaElement.builder().attributeName(attribute).keyType(type).build();
    }

    private static GlobalSecondaryIndex ownerIndex() {
        return GlobalSecondaryIndex.builder().indexName(OWNER_INDEX.name())
                .keySchema(key(OWNER_INDEX.partitionKey(), KeyType.HASH), key(OWNER_INDEX.sortKey(), KeyType.RANGE))
                .projection(p -> p.projectionType(ProjectionType.ALL))
                .build();
    }
}
