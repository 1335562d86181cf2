package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.port.ApiKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.reelay.adapter.dynamodb.Attributes.s;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.API_KEYS_PARTITION;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.CREATED_AT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_PRESENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.PARTITION_KEY;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.apiKeyKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.apiKeyLookupKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.timestamp;

/**
 * API keys in the tasks table ({@link TasksTableSchema.ItemKind#API_KEY}, {@link TasksTableSchema.ItemKind#API_KEY_LOOKUP}).
 * Each key has two items, written in one transaction:
 * <ul>
 *   <li>{@code pk=APIKEYS, sk=NAME#<name>}: the key itself (hash, creation, budget, revocation,
 *   and {@code maxConcurrency}, a number, when the key has a concurrency cap of its own).
 *   All keys share one partition, so listing them is one query; a team has few keys.</li>
 *   <li>{@code pk=APIKEY#<sha256>, sk=APIKEY}: the lookup from a presented secret to its name.</li>
 * </ul>
 */
public final class DynamoDbApiKeys implements ApiKeys {
    private final DynamoDbClient dynamo;
    private final String table;
    private final SecureRandom random;
    private final Clock clock;

    public DynamoDbApiKeys(DynamoDbClient dynamo, String table, SecureRandom random, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.random = random;
        this.clock = clock;
    }

    @Override
    public CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, Integer maxConcurrency) {
        ApiKeySecrets.checkName(name);
        ApiKeySecrets.checkBudget(monthlyBudgetUsd);
        OptionalInt cap = ApiKeySecrets.checkMaxConcurrency(maxConcurrency);
        String secret = ApiKeySecrets.generate(random);
        String hash = ApiKeySecrets.hash(secret);
        Instant now = clock.instant();
        Map<String, AttributeValue> key = new HashMap<>(apiKeyKey(name));
        key.put("name", s(name));
        key.put("secretSha256", s(hash));
        key.put(CREATED_AT, s(timestamp(now)));
        if (monthlyBudgetUsd != null) {
            key.put("monthlyBudgetMicros", AttributeValue.fromN(monthlyBudgetUsd.movePointRight(6).toBigIntegerExact().toString()));
        }
        cap.ifPresent(n -> key.put("maxConcurrency", AttributeValue.fromN(Integer.toString(n))));
        Map<String, AttributeValue> lookup = new HashMap<>(apiKeyLookupKey(hash));
        lookup.put("name", s(name));
        try {
            dynamo.transactWriteItems(t -> t.transactItems(
                    TransactWriteItem.builder().put(p -> p.tableName(table).item(key).conditionExpression(ITEM_ABSENT)).build(),
                    TransactWriteItem.builder().put(p -> p.tableName(table).item(lookup).conditionExpression(ITEM_ABSENT)).build()));
        } catch (TransactionCanceledException e) {
            if (e.cancellationReasons().stream().map(CancellationReason::code).anyMatch("ConditionalCheckFailed"::equals)) {
                throw new ConflictException("key_name_taken", "An API key named '" + name + "' exists or existed; names are never reused.");
            }
            throw e;
        }
        return new CreatedApiKey(new ApiKey(name, now, Optional.ofNullable(monthlyBudgetUsd), Optional.empty(), cap), secret);
    }

    @Override
    public Optional<ApiKey> findBySecret(String presentedSecret) {
        if (!ApiKeySecrets.wellFormed(presentedSecret)) {
            return Optional.empty();
        }
        // Consistent, so that a key is recognised as soon as its creation returned (the authorizer caches the decision).
        var lookup = dynamo.getItem(get -> get.tableName(table).key(apiKeyLookupKey(ApiKeySecrets.hash(presentedSecret))).consistentRead(true)).item();
        if (lookup == null || lookup.isEmpty()) {
            return Optional.empty();
        }
        return findByName(lookup.get("name").s());
    }

    @Override
    public Optional<ApiKey> findByName(String name) {
        var item = dynamo.getItem(get -> get.tableName(table).key(apiKeyKey(name)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public List<ApiKey> list() {
        List<ApiKey> keys = new ArrayList<>();
        dynamo.queryPaginator(q -> q.tableName(table).keyConditionExpression(PARTITION_KEY + " = :pk")
                        .expressionAttributeValues(Map.of(":pk", s(API_KEYS_PARTITION))).consistentRead(true))
                .items().forEach(item -> keys.add(fromItem(item)));
        return keys;
    }

    @Override
    public boolean revoke(String name) {
        try {
            dynamo.updateItem(u -> u.tableName(table).key(apiKeyKey(name))
                    .updateExpression("SET revokedAt = :now")
                    .conditionExpression(ITEM_PRESENT + " AND attribute_not_exists(revokedAt)")
                    .expressionAttributeValues(Map.of(":now", s(timestamp(clock.instant())))));
            return true;
        } catch (ConditionalCheckFailedException missingOrRevoked) {
            return false;
        }
    }

    private static ApiKey fromItem(Map<String, AttributeValue> item) {
        Optional<BigDecimal> budget = Optional.ofNullable(item.get("monthlyBudgetMicros"))
                .map(v -> BigDecimal.valueOf(Long.parseLong(v.n()), 6).stripTrailingZeros());
        AttributeValue cap = item.get("maxConcurrency");
        return new ApiKey(item.get("name").s(), Instant.parse(item.get(CREATED_AT).s()), budget,
                Optional.ofNullable(item.get("revokedAt")).map(v -> Instant.parse(v.s())),
                cap == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(cap.n())));
    }
}
