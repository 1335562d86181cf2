package dev.reelay.local.engines;

import dev.reelay.adapter.dynamodb.Expiry;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** The tasks table as template.yaml declares it, made on whichever DynamoDB engine the runtime runs on. */
public final class TasksTable {
    /** The owner index as template.yaml declares it: tasks by owner, newest first, every attribute projected. */
    static final String OWNER_INDEX = "OwnerCreatedIndex";

    private TasksTable() {
    }

    /**
     * The tasks table: a partition key and a sort key, on demand, and the sparse owner index
     * ({@code ownerKeyId}, {@code createdAtTaskId}), as in template.yaml. A table kept from an earlier
     * run of the launcher is reused, and given the index if it was made before the index existed.
     * Time to live is on {@code expiresAt}, as in template.yaml (DynamoDB Local records the setting
     * but never deletes expired items; the code treats them as absent).
     */
    public static void ensure(DynamoDbClient client, String name) {
        try {
            client.createTable(create -> create.tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(attribute("pk"), attribute("sk"), attribute("ownerKeyId"), attribute("createdAtTaskId"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE"))
                    .globalSecondaryIndexes(ownerIndex()));
        } catch (ResourceInUseException alreadyThere) {
            boolean indexed = client.describeTable(d -> d.tableName(name)).table().globalSecondaryIndexes().stream()
                    .anyMatch(index -> index.indexName().equals(OWNER_INDEX));
            if (!indexed) {
                client.updateTable(update -> update.tableName(name)
                        .attributeDefinitions(attribute("ownerKeyId"), attribute("createdAtTaskId"))
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(OWNER_INDEX)
                                .keySchema(ownerIndex().keySchema()).projection(p -> p.projectionType(ProjectionType.ALL)))));
            }
        }
        var ttl = client.describeTimeToLive(d -> d.tableName(name)).timeToLiveDescription();
        if (ttl == null || ttl.attributeName() == null) {
            client.updateTimeToLive(u -> u.tableName(name).timeToLiveSpecification(t -> t.attributeName(Expiry.ATTRIBUTE).enabled(true)));
        }
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static GlobalSecondaryIndex ownerIndex() {
        return GlobalSecondaryIndex.builder().indexName(OWNER_INDEX)
                .keySchema(KeySchemaElement.builder().attributeName("ownerKeyId").keyType("HASH").build(),
                        KeySchemaElement.builder().attributeName("createdAtTaskId").keyType("RANGE").build())
                .projection(p -> p.projectionType(ProjectionType.ALL))
                .build();
    }
}
