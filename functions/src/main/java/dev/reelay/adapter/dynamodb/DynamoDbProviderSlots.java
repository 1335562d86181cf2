package dev.reelay.adapter.dynamodb;

import dev.reelay.port.ProviderSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.CREATED_AT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_PRESENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_KEY_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.PARTITION_KEY;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.QUEUE_PARTITION;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.SLOT_PROVIDER;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.SORT_KEY;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.STATUS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.keySlotsKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.queueEntryKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.queuePlace;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.taskKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.vendorSlotsKey;

/**
 * The slot ledger and the queue in the tasks table (docs/queue.md; keys in {@link TasksTableSchema}):
 * <ul>
 *   <li>{@code pk=SLOTS#VENDOR#<provider>, sk=SLOTS}: {@code holders}, a map from each task holding a slot
 *       there to the epoch millisecond its hold was taken or last confirmed; {@code learnedCap} and
 *       {@code learnedUntil} (epoch ms) after the vendor refused below its cap; {@code pausedUntil} (epoch ms)
 *       after it was unavailable;</li>
 *   <li>{@code pk=SLOTS#KEY#<key name>, sk=SLOTS}: {@code holders}, the same for an API key's tasks;</li>
 *   <li>{@code pk=QUEUE, sk=<acceptance epoch ms, 13 digits>#<task id>}: a waiting task, oldest first, with
 *       its candidates, its key's cap, and the token and state of its waiting workflow step;</li>
 *   <li>the task item's {@code slotProvider}: the vendor it holds a slot at.</li>
 * </ul>
 * A grant is one transaction over the vendor's and the key's holders (with their caps as conditions),
 * the queue entry and the task item, so two dispatches can never hand out the same slot. Counting the
 * holders with {@code size(holders)} keeps a cap exact without a separate counter to drift.
 */
public final class DynamoDbProviderSlots implements ProviderSlots {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbProviderSlots.class);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    public DynamoDbProviderSlots(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * The writes that give back the slot a task item records and take it out of the queue, for the
     * transaction that ends the task ({@link DynamoDbTaskStore}); none beyond the queue entry when it
     * holds no slot.
     */
    static List<TransactWriteItem> releaseWrites(String table, Map<String, AttributeValue> taskItem) {
        String taskId = taskItem.get(TASK_ID).s();
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().delete(d -> d.tableName(table)
                .key(queueEntryKey(taskId, Instant.parse(taskItem.get(CREATED_AT).s())))).build());
        AttributeValue provider = taskItem.get(SLOT_PROVIDER);
        if (provider != null) {
            writes.add(removeHolder(table, vendorSlotsKey(provider.s()), taskId));
            writes.add(removeHolder(table, keySlotsKey(taskItem.get(OWNER_KEY_ID).s()), taskId));
        }
        return writes;
    }

    private static TransactWriteItem removeHolder(String table, Map<String, AttributeValue> key, String taskId) {
        return TransactWriteItem.builder().update(u -> u.tableName(table).key(key)
                .updateExpression("REMOVE holders.#t").expressionAttributeNames(Map.of("#t", taskId))).build();
    }

    @Override
    public void enqueue(Waiting entry) {
        Map<String, AttributeValue> item = new HashMap<>(queueEntryKey(entry.taskId(), entry.acceptedAt()));
        item.put(TASK_ID, AttributeValue.fromS(entry.taskId()));
        item.put("acceptedAt", AttributeValue.fromN(Long.toString(entry.acceptedAt().toEpochMilli())));
        item.put(OWNER_KEY_ID, AttributeValue.fromS(entry.ownerKeyId()));
        item.put("candidates", AttributeValue.fromL(entry.candidates().stream().map(AttributeValue::fromS).toList()));
        entry.keyCap().ifPresent(cap -> item.put("keyCap", AttributeValue.fromN(Integer.toString(cap))));
        try {
            dynamo.putItem(put -> put.tableName(table).item(item).conditionExpression(ITEM_ABSENT));
        } catch (ConditionalCheckFailedException alreadyWaiting) {
            // It keeps its place.
        }
    }

    @Override
    public List<Waiting> waiting(int max) {
        List<Waiting> entries = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder query = QueryRequest.builder().tableName(table).keyConditionExpression(PARTITION_KEY + " = :queue")
                    .expressionAttributeValues(Map.of(":queue", AttributeValue.fromS(QUEUE_PARTITION)))
                    .consistentRead(true).limit(Math.min(500, max - entries.size()));
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(query.build());
            page.items().forEach(item -> entries.add(waiting(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && entries.size() < max);
        return entries;
    }

    @Override
    public Optional<Waiting> entry(String taskId, Instant acceptedAt) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(queueEntryKey(taskId, acceptedAt))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(waiting(item));
    }

    private static Waiting waiting(Map<String, AttributeValue> item) {
        return new Waiting(item.get(TASK_ID).s(), Instant.ofEpochMilli(Long.parseLong(item.get("acceptedAt").n())),
                item.get(OWNER_KEY_ID).s(), item.get("candidates").l().stream().map(AttributeValue::s).toList(),
                item.containsKey("keyCap") ? OptionalInt.of(Integer.parseInt(item.get("keyCap").n())) : OptionalInt.empty(),
                text(item, "taskToken"), text(item, "waitingState"));
    }

    @Override
    public OptionalInt position(String taskId, Instant acceptedAt) {
        if (entry(taskId, acceptedAt).isEmpty()) {
            return OptionalInt.empty();
        }
        int ahead = 0;
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder query = QueryRequest.builder().tableName(table)
                    .keyConditionExpression(PARTITION_KEY + " = :queue AND " + SORT_KEY + " < :place").select(Select.COUNT).consistentRead(true)
                    .expressionAttributeValues(Map.of(":queue", AttributeValue.fromS(QUEUE_PARTITION),
                            ":place", AttributeValue.fromS(queuePlace(taskId, acceptedAt))));
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(query.build());
            ahead += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return OptionalInt.of(ahead + 1);
    }

    @Override
    public VendorSlots vendor(String provider) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(vendorSlotsKey(provider))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return new VendorSlots(provider, Map.of(), OptionalInt.empty(), null, null);
        }
        return new VendorSlots(provider, holders(item),
                item.containsKey("learnedCap") ? OptionalInt.of(Integer.parseInt(item.get("learnedCap").n())) : OptionalInt.empty(),
                millis(item, "learnedUntil"), millis(item, "pausedUntil"));
    }

    private static Instant millis(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Instant.ofEpochMilli(Long.parseLong(item.get(name).n())) : null;
    }

    @Override
    public Map<String, Instant> heldByKey(String ownerKeyId) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(keySlotsKey(ownerKeyId))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Map.of() : holders(item);
    }

    private static Map<String, Instant> holders(Map<String, AttributeValue> item) {
        Map<String, Instant> holders = new LinkedHashMap<>();
        if (item.containsKey("holders")) {
            item.get("holders").m().forEach((taskId, at) -> holders.put(taskId, Instant.ofEpochMilli(Long.parseLong(at.n()))));
        }
        return holders;
    }

    @Override
    public Optional<String> slotOf(String taskId) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(taskKey(taskId))
                .consistentRead(true).projectionExpression(SLOT_PROVIDER)).item();
        return Optional.ofNullable(item == null ? null : text(item, SLOT_PROVIDER));
    }

    @Override
    public Grant grant(Waiting entry, String provider, int vendorCap, Instant at) {
        ensureHolders(vendorSlotsKey(provider));
        ensureHolders(keySlotsKey(entry.ownerKeyId()));
        AttributeValue heldAt = AttributeValue.fromN(Long.toString(at.toEpochMilli()));
        Map<String, AttributeValue> vendorValues = new HashMap<>(Map.of(":at", heldAt));
        String vendorCondition = "attribute_not_exists(holders.#t)";
        if (vendorCap != Integer.MAX_VALUE) {
            vendorCondition += " AND size(holders) < :cap";
            vendorValues.put(":cap", AttributeValue.fromN(Integer.toString(vendorCap)));
        }
        Map<String, AttributeValue> keyValues = new HashMap<>(Map.of(":at", heldAt));
        String keyCondition = "attribute_not_exists(holders.#t)";
        if (entry.keyCap().isPresent()) {
            keyCondition += " AND size(holders) < :cap";
            keyValues.put(":cap", AttributeValue.fromN(Integer.toString(entry.keyCap().getAsInt())));
        }
        Map<String, AttributeValue> entryValues = new HashMap<>();
        String entryCondition = ITEM_PRESENT + " AND ";
        if (entry.taskToken() == null) {
            entryCondition += "attribute_not_exists(taskToken)";
        } else {
            entryCondition += "taskToken = :token";
            entryValues.put(":token", AttributeValue.fromS(entry.taskToken()));
        }
        String finalVendorCondition = vendorCondition;
        String finalKeyCondition = keyCondition;
        String finalEntryCondition = entryCondition;
        List<TransactWriteItem> writes = List.of(
                TransactWriteItem.builder().update(u -> u.tableName(table).key(vendorSlotsKey(provider))
                        .updateExpression("SET holders.#t = :at").conditionExpression(finalVendorCondition)
                        .expressionAttributeNames(Map.of("#t", entry.taskId())).expressionAttributeValues(vendorValues)).build(),
                TransactWriteItem.builder().update(u -> u.tableName(table).key(keySlotsKey(entry.ownerKeyId()))
                        .updateExpression("SET holders.#t = :at").conditionExpression(finalKeyCondition)
                        .expressionAttributeNames(Map.of("#t", entry.taskId())).expressionAttributeValues(keyValues)).build(),
                TransactWriteItem.builder().delete(d -> {
                    d.tableName(table).key(queueEntryKey(entry.taskId(), entry.acceptedAt())).conditionExpression(finalEntryCondition);
                    if (!entryValues.isEmpty()) {
                        d.expressionAttributeValues(entryValues);
                    }
                }).build(),
                TransactWriteItem.builder().update(u -> u.tableName(table).key(taskKey(entry.taskId()))
                        .updateExpression("SET " + SLOT_PROVIDER + " = :provider")
                        .conditionExpression("#status = :pending AND attribute_not_exists(" + SLOT_PROVIDER + ")")
                        .expressionAttributeNames(Map.of("#status", STATUS))
                        .expressionAttributeValues(Map.of(":provider", AttributeValue.fromS(provider),
                                ":pending", AttributeValue.fromS("pending")))).build());
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(t -> t.transactItems(writes));
                return Grant.GRANTED;
            } catch (TransactionCanceledException e) {
                List<String> reasons = Transactions.reasons(e);
                if (failed(reasons, 3)) {
                    // The task is no longer pending, or holds a slot already: its entry is stale.
                    leave(entry.taskId(), entry.acceptedAt());
                    return Grant.GONE;
                }
                if (failed(reasons, 2)) {
                    return entry(entry.taskId(), entry.acceptedAt()).isPresent() ? Grant.CHANGED : Grant.GONE;
                }
                if (failed(reasons, 0) || failed(reasons, 1)) {
                    return Grant.FULL;
                }
                if (!reasons.contains("TransactionConflict") || attempt == Transactions.MAX_ATTEMPTS) {
                    LOG.warn("Granting task {} a slot at {} did not go through ({}); the next dispatch tries again",
                            entry.taskId(), provider, reasons);
                    return Grant.FULL;
                }
                Transactions.pause(attempt);
            }
        }
    }

    private static boolean failed(List<String> reasons, int index) {
        return reasons.size() > index && "ConditionalCheckFailed".equals(reasons.get(index));
    }

    /** The holders map must exist before a holder can be set in it; made once per item, by any caller. */
    private void ensureHolders(Map<String, AttributeValue> key) {
        String pk = key.get(PARTITION_KEY).s();
        if (ensured.contains(pk)) {
            return;
        }
        dynamo.updateItem(u -> u.tableName(table).key(key).updateExpression("SET holders = if_not_exists(holders, :empty)")
                .expressionAttributeValues(Map.of(":empty", AttributeValue.fromM(Map.of()))));
        ensured.add(pk);
    }

    @Override
    public void release(String taskId, String provider, String ownerKeyId) {
        ensureHolders(vendorSlotsKey(provider));
        ensureHolders(keySlotsKey(ownerKeyId));
        Transactions.write(dynamo, List.of(removeHolder(table, vendorSlotsKey(provider), taskId), removeHolder(table, keySlotsKey(ownerKeyId), taskId),
                TransactWriteItem.builder().update(u -> u.tableName(table).key(taskKey(taskId))
                        .updateExpression("REMOVE " + SLOT_PROVIDER).conditionExpression(ITEM_PRESENT)).build()));
    }

    @Override
    public boolean reclaim(String provider, String ownerKeyId, String taskId, Instant seen) {
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(vendorSlotsKey(provider))
                .updateExpression("REMOVE holders.#t").conditionExpression("holders.#t = :seen")
                .expressionAttributeNames(Map.of("#t", taskId))
                .expressionAttributeValues(Map.of(":seen", AttributeValue.fromN(Long.toString(seen.toEpochMilli()))))).build());
        if (ownerKeyId != null) {
            ensureHolders(keySlotsKey(ownerKeyId));
            writes.add(removeHolder(table, keySlotsKey(ownerKeyId), taskId));
            writes.add(TransactWriteItem.builder().update(u -> u.tableName(table).key(taskKey(taskId))
                    .updateExpression("REMOVE " + SLOT_PROVIDER).conditionExpression(ITEM_PRESENT)).build());
        }
        return Transactions.write(dynamo, writes);
    }

    @Override
    public void confirm(String provider, String taskId, Instant seen, Instant now) {
        try {
            dynamo.updateItem(u -> u.tableName(table).key(vendorSlotsKey(provider)).updateExpression("SET holders.#t = :now")
                    .conditionExpression("holders.#t = :seen").expressionAttributeNames(Map.of("#t", taskId))
                    .expressionAttributeValues(Map.of(":seen", AttributeValue.fromN(Long.toString(seen.toEpochMilli())),
                            ":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())))));
        } catch (ConditionalCheckFailedException changed) {
            // Released or confirmed by someone else meanwhile.
        }
    }

    @Override
    public void learnCap(String provider, int cap, Instant until) {
        ensureHolders(vendorSlotsKey(provider));
        dynamo.updateItem(u -> u.tableName(table).key(vendorSlotsKey(provider)).updateExpression("SET learnedCap = :cap, learnedUntil = :until")
                .expressionAttributeValues(Map.of(":cap", AttributeValue.fromN(Integer.toString(cap)),
                        ":until", AttributeValue.fromN(Long.toString(until.toEpochMilli())))));
    }

    @Override
    public void pause(String provider, Instant until) {
        ensureHolders(vendorSlotsKey(provider));
        dynamo.updateItem(u -> u.tableName(table).key(vendorSlotsKey(provider)).updateExpression("SET pausedUntil = :until")
                .expressionAttributeValues(Map.of(":until", AttributeValue.fromN(Long.toString(until.toEpochMilli())))));
    }

    @Override
    public boolean awaitSlot(String taskId, Instant acceptedAt, String taskToken, String waitingState) {
        try {
            dynamo.updateItem(u -> u.tableName(table).key(queueEntryKey(taskId, acceptedAt))
                    .updateExpression("SET taskToken = :token, waitingState = :state").conditionExpression(ITEM_PRESENT)
                    .expressionAttributeValues(Map.of(":token", AttributeValue.fromS(taskToken),
                            ":state", AttributeValue.fromS(waitingState))));
            return true;
        } catch (ConditionalCheckFailedException notWaiting) {
            return false;
        }
    }

    @Override
    public void leave(String taskId, Instant acceptedAt) {
        dynamo.deleteItem(d -> d.tableName(table).key(queueEntryKey(taskId, acceptedAt)));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }
}
