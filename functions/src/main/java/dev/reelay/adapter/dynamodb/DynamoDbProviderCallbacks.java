package dev.reelay.adapter.dynamodb;

import dev.reelay.port.ProviderCallbacks;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.CALLBACK_SECRET;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_PRESENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TTL_ATTRIBUTE;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.callbackKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.item;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.taskKey;

/**
 * Callback registrations in the tasks table: {@code pk=CALLBACK#<secret>, sk=CALLBACK}, found by
 * the secret; the task item keeps its secret in {@code callbackSecret}. Registrations expire by
 * TTL ({@link TasksTableSchema#TTL_ATTRIBUTE}) a week after creation, long after any late callback matters; an
 * expired one is not found, even before DynamoDB has deleted it. Found by primary key only: the
 * table needs no index for callbacks.
 */
public final class DynamoDbProviderCallbacks implements ProviderCallbacks {
    static final Duration KEEP = Duration.ofDays(7);

    private final DynamoDbClient dynamo;
    private final String table;
    private final SecureRandom random;
    private final Clock clock;

    public DynamoDbProviderCallbacks(DynamoDbClient dynamo, String table, SecureRandom random, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.random = random;
        this.clock = clock;
    }

    @Override
    public String secretFor(String taskId) {
        Map<String, AttributeValue> task = dynamo.getItem(get -> get.tableName(table)
                .key(taskKey(taskId)).consistentRead(true)).item();
        if (task != null && task.containsKey(CALLBACK_SECRET)) {
            return task.get(CALLBACK_SECRET).s();
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        dynamo.putItem(put -> put.tableName(table).item(item(callbackKey(secret), Map.of(
                TASK_ID, AttributeValue.fromS(taskId),
                TTL_ATTRIBUTE, Expiry.at(clock.instant().plus(KEEP))))));
        try {
            dynamo.updateItem(update -> update.tableName(table).key(taskKey(taskId))
                    .updateExpression("SET " + CALLBACK_SECRET + " = :secret")
                    .conditionExpression(ITEM_PRESENT + " AND attribute_not_exists(" + CALLBACK_SECRET + ")")
                    .expressionAttributeValues(Map.of(":secret", AttributeValue.fromS(secret))));
            return secret;
        } catch (ConditionalCheckFailedException anotherWon) {
            // A concurrent first call registered its secret first: use that one (ours expires unused).
            return dynamo.getItem(get -> get.tableName(table).key(taskKey(taskId)).consistentRead(true))
                    .item().get(CALLBACK_SECRET).s();
        }
    }

    @Override
    public Optional<Registration> find(String secret) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(callbackKey(secret)).consistentRead(true)).item();
        return item == null || item.isEmpty() || Expiry.expired(item, clock.instant())
                ? Optional.empty() : Optional.of(registration(secret, item));
    }

    @Override
    public Registration await(String secret, String taskToken, String waitingStateJson) {
        return registration(secret, dynamo.updateItem(update -> update.tableName(table).key(callbackKey(secret))
                .updateExpression("SET taskToken = :token, waitingState = :state")
                .conditionExpression(ITEM_PRESENT)
                .expressionAttributeValues(Map.of(":token", AttributeValue.fromS(taskToken),
                        ":state", AttributeValue.fromS(waitingStateJson)))
                .returnValues(ReturnValue.ALL_NEW)).attributes());
    }

    @Override
    public Registration finish(String secret) {
        return registration(secret, dynamo.updateItem(update -> update.tableName(table).key(callbackKey(secret))
                .updateExpression("SET finished = :yes")
                .conditionExpression(ITEM_PRESENT)
                .expressionAttributeValues(Map.of(":yes", AttributeValue.fromBool(true)))
                .returnValues(ReturnValue.ALL_NEW)).attributes());
    }

    private static Registration registration(String secret, Map<String, AttributeValue> item) {
        return new Registration(secret, item.get(TASK_ID).s(),
                item.containsKey("taskToken") ? item.get("taskToken").s() : null,
                item.containsKey("waitingState") ? item.get("waitingState").s() : null,
                item.containsKey("finished") && Boolean.TRUE.equals(item.get("finished").bool()));
    }
}
