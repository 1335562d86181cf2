package dev.reelay.adapter.dynamodb;

import dev.reelay.port.IdempotencyKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TTL_ATTRIBUTE;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.idempotencyClaimKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.item;

/**
 * Idempotency keys in the tasks table ({@code pk=IDEMPOTENCY#<owner>#<key>}), claimed with one
 * conditional put so that concurrent duplicates agree on one task; they expire by TTL after a day
 * ({@link TasksTableSchema#TTL_ATTRIBUTE}). Until DynamoDB has deleted an expired key, it can be claimed anew as
 * if it were gone.
 */
public final class DynamoDbIdempotencyKeys implements IdempotencyKeys {
    static final Duration KEEP = Duration.ofDays(1);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoDbIdempotencyKeys(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public void release(String ownerKeyId, String key, String taskId) {
        try {
            dynamo.deleteItem(delete -> delete.tableName(table).key(idempotencyClaimKey(ownerKeyId, key))
                    .conditionExpression(TASK_ID + " = :taskId")
                    .expressionAttributeValues(Map.of(":taskId", AttributeValue.fromS(taskId))));
        } catch (ConditionalCheckFailedException goneOrAnotherTasks) {
            // Nothing of ours to give up.
        }
    }

    @Override
    public Claim claim(String ownerKeyId, String key, String requestHash, String taskId) {
        Map<String, AttributeValue> itemKey = idempotencyClaimKey(ownerKeyId, key);
        Instant now = clock.instant();
        try {
            dynamo.putItem(put -> put.tableName(table).item(item(itemKey, Map.of(
                            TASK_ID, AttributeValue.fromS(taskId), "requestHash", AttributeValue.fromS(requestHash),
                            TTL_ATTRIBUTE, Expiry.at(now.plus(KEEP)))))
                    // Free, or held by a claim that has expired but is not deleted yet.
                    .conditionExpression(ITEM_ABSENT + " OR #expiresAt <= :now")
                    .expressionAttributeNames(Map.of("#expiresAt", TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":now", Expiry.at(now))));
            return new Claim(taskId, requestHash, true);
        } catch (ConditionalCheckFailedException claimedBefore) {
            Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(itemKey).consistentRead(true)).item();
            return new Claim(item.get(TASK_ID).s(), item.get("requestHash").s(), false);
        }
    }
}
