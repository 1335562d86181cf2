package dev.reelay.adapter.dynamodb;

import dev.reelay.port.IdempotencyKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Idempotency keys in the tasks table ({@code pk=IDEMPOTENCY#<owner>#<key>}), claimed with one
 * conditional put so that concurrent duplicates agree on one task; they expire by TTL after a day
 * ({@link Expiry#ATTRIBUTE}). Until DynamoDB has deleted an expired key, it can be claimed anew as
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

    private static Map<String, AttributeValue> itemKey(String ownerKeyId, String key) {
        return Map.of("pk", AttributeValue.fromS("IDEMPOTENCY#" + ownerKeyId + "#" + key), "sk", AttributeValue.fromS("IDEMPOTENCY"));
    }

    @Override
    public void release(String ownerKeyId, String key, String taskId) {
        try {
            dynamo.deleteItem(delete -> delete.tableName(table).key(itemKey(ownerKeyId, key))
                    .conditionExpression("taskId = :taskId")
                    .expressionAttributeValues(Map.of(":taskId", AttributeValue.fromS(taskId))));
        } catch (ConditionalCheckFailedException goneOrAnotherTasks) {
            // Nothing of ours to give up.
        }
    }

    @Override
    public Claim claim(String ownerKeyId, String key, String requestHash, String taskId) {
        Map<String, AttributeValue> itemKey = itemKey(ownerKeyId, key);
        Instant now = clock.instant();
        try {
            dynamo.putItem(put -> put.tableName(table).item(Map.of(
                            "pk", itemKey.get("pk"), "sk", itemKey.get("sk"),
                            "taskId", AttributeValue.fromS(taskId), "requestHash", AttributeValue.fromS(requestHash),
                            Expiry.ATTRIBUTE, Expiry.at(now.plus(KEEP))))
                    // Free, or held by a claim that has expired but is not deleted yet.
                    .conditionExpression("attribute_not_exists(pk) OR #expiresAt <= :now")
                    .expressionAttributeNames(Map.of("#expiresAt", Expiry.ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":now", Expiry.at(now))));
            return new Claim(taskId, requestHash, true);
        } catch (ConditionalCheckFailedException claimedBefore) {
            Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(itemKey).consistentRead(true)).item();
            return new Claim(item.get("taskId").s(), item.get("requestHash").s(), false);
        }
    }
}
