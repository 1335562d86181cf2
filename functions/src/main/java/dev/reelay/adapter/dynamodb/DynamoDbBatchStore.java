package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.port.BatchStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.reelay.adapter.dynamodb.Attributes.n;
import static dev.reelay.adapter.dynamodb.Attributes.s;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.BATCH_ENTRY_PREFIX;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.BATCH_OWNER_PREFIX;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.CREATED_AT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_INDEX;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.PARTITION_KEY;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.SORT_KEY;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.STATUS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.batchEntryKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.batchKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.item;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.timestamp;

/**
 * Batches in the tasks table: the batch ({@code pk=BATCH#id, sk=BATCH}) and one entry per request
 * ({@code sk=ENTRY#<index>}), read with one query. A batch is on the owner index in a partition of
 * its own, {@code BATCHES#<key name>}, sorted like tasks by creation time then id, so the task list
 * never shows a batch; its real owner is {@code batchOwner}.
 */
public final class DynamoDbBatchStore implements BatchStore {
    private static final String OWNER = "batchOwner";
    private static final String RUNNING = "#status IN (:validating, :inProgress)";
    /** The request counts, one number each (named so, since some plain words are reserved in DynamoDB expressions). */
    private static final List<String> COUNTS = List.of("requestsTotal", "requestsPending", "requestsProcessing", "requestsCompleted",
            "requestsFailed", "requestsCancelled", "requestsRefused");

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbBatchStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void create(Batch batch, List<BatchEntry> entries) {
        Map<String, AttributeValue> attributes = new HashMap<>();
        attributes.put("batchId", s(batch.id()));
        attributes.put(OWNER, s(batch.ownerKeyId()));
        attributes.put(OWNER_INDEX.partitionKey(), s(BATCH_OWNER_PREFIX + batch.ownerKeyId()));
        attributes.put(OWNER_INDEX.sortKey(), s(new TaskCursor(batch.createdAt(), batch.id()).sortKey()));
        attributes.put(CREATED_AT, s(timestamp(batch.createdAt())));
        attributes.put("cancelRequested", AttributeValue.fromBool(false));
        attributes.putAll(progress(batch));
        if (batch.callbackUrl() != null) {
            attributes.put("callbackUrl", s(batch.callbackUrl()));
        }
        Map<String, AttributeValue> metadata = new LinkedHashMap<>();
        batch.metadata().forEach((name, value) -> metadata.put(name, s(String.valueOf(value))));
        attributes.put("metadata", AttributeValue.fromM(metadata));
        if (batch.manifest() != null) {
            attributes.put("manifest", s(batch.manifest()));
        }
        Map<String, AttributeValue> item = item(batchKey(batch.id()), attributes);
        dynamo.putItem(put -> put.tableName(table).item(item).conditionExpression(ITEM_ABSENT));
        entries.forEach(entry -> putEntry(batch.id(), entry));
    }

    @Override
    public Optional<Batch> find(String batchId) {
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table).key(batchKey(batchId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(batch(item));
    }

    @Override
    public BatchPage list(String ownerKeyId, int limit, Optional<String> cursor) {
        Map<String, AttributeValue> startKey = cursor.map(TaskCursor::decode).map(position -> {
            Map<String, AttributeValue> key = new HashMap<>(batchKey(position.taskId()));
            key.put(OWNER_INDEX.partitionKey(), s(BATCH_OWNER_PREFIX + ownerKeyId));
            key.put(OWNER_INDEX.sortKey(), s(position.sortKey()));
            return key;
        }).orElse(null);
        QueryResponse response = dynamo.query(QueryRequest.builder().tableName(table).indexName(OWNER_INDEX.name())
                .keyConditionExpression(OWNER_INDEX.partitionKey() + " = :owner")
                .expressionAttributeValues(Map.of(":owner", s(BATCH_OWNER_PREFIX + ownerKeyId)))
                .scanIndexForward(false).limit(limit + 1).exclusiveStartKey(startKey).build());
        List<Batch> found = response.items().stream().map(DynamoDbBatchStore::batch).toList();
        if (found.size() > limit) {
            List<Batch> page = found.subList(0, limit);
            Batch last = page.get(limit - 1);
            return new BatchPage(page, Optional.of(new TaskCursor(last.createdAt(), last.id()).encode()));
        }
        return new BatchPage(found, Optional.empty());
    }

    @Override
    public List<BatchEntry> entries(String batchId) {
        List<BatchEntry> entries = new ArrayList<>();
        Map<String, AttributeValue> startKey = null;
        do {
            QueryResponse response = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression(PARTITION_KEY + " = :pk AND begins_with(" + SORT_KEY + ", :entry)")
                    .expressionAttributeValues(Map.of(":pk", batchKey(batchId).get(PARTITION_KEY), ":entry", s(BATCH_ENTRY_PREFIX)))
                    .exclusiveStartKey(startKey).build());
            response.items().forEach(item -> entries.add(entry(item)));
            startKey = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey() : null;
        } while (startKey != null);
        return entries;
    }

    @Override
    public void putEntry(String batchId, BatchEntry entry) {
        Map<String, AttributeValue> attributes = new HashMap<>();
        attributes.put("index", n(entry.index()));
        attributes.put("state", s(entry.state().wire()));
        attributes.put("costUsd", AttributeValue.fromN(entry.costUsd().toPlainString()));
        if (entry.taskId() != null) {
            attributes.put(TASK_ID, s(entry.taskId()));
        }
        if (entry.videoUri() != null) {
            attributes.put("video", s(entry.videoUri()));
        }
        if (entry.refusal() != null) {
            attributes.put("errorCode", s(entry.refusal().code()));
            attributes.put("errorMessage", s(entry.refusal().message()));
            if (entry.refusal().param() != null) {
                attributes.put("errorParam", s(entry.refusal().param()));
            }
        }
        dynamo.putItem(put -> put.tableName(table).item(item(batchEntryKey(batchId, entry.index()), attributes)));
    }

    @Override
    public boolean saveProgress(Batch batch) {
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET #status = :status, costUsd = :costUsd");
        progress(batch).forEach((name, value) -> {
            if (!name.equals(STATUS) && !name.equals("costUsd")) {
                set.append(", ").append(name).append(" = :").append(name);
                values.put(":" + name, value);
            }
        });
        values.put(":status", s(batch.status().wire()));
        values.put(":costUsd", AttributeValue.fromN(batch.costUsd().toPlainString()));
        values.put(":validating", s(BatchStatus.VALIDATING.wire()));
        values.put(":inProgress", s(BatchStatus.IN_PROGRESS.wire()));
        if (batch.completedAt() != null) {
            set.append(", completedAt = :completedAt");
            values.put(":completedAt", s(timestamp(batch.completedAt())));
        }
        try {
            dynamo.updateItem(update -> update.tableName(table).key(batchKey(batch.id())).updateExpression(set.toString())
                    .conditionExpression(RUNNING).expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException ended) {
            return false;
        }
    }

    @Override
    public boolean requestCancel(String batchId) {
        try {
            dynamo.updateItem(update -> update.tableName(table).key(batchKey(batchId))
                    .updateExpression("SET cancelRequested = :yes").conditionExpression(RUNNING)
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(Map.of(":yes", AttributeValue.fromBool(true),
                            ":validating", s(BatchStatus.VALIDATING.wire()), ":inProgress", s(BatchStatus.IN_PROGRESS.wire()))));
            return true;
        } catch (ConditionalCheckFailedException ended) {
            return false;
        }
    }

    @Override
    public void recordWebhook(String batchId, String outcome) {
        try {
            dynamo.updateItem(update -> update.tableName(table).key(batchKey(batchId))
                    .updateExpression("SET webhook = :outcome").conditionExpression("attribute_not_exists(webhook)")
                    .expressionAttributeValues(Map.of(":outcome", s(outcome))));
        } catch (ConditionalCheckFailedException recordedBefore) {
            // A re-run of the step that delivered it: the first outcome stands.
        }
    }

    /** The attributes the workflow changes: status, counts and cost. */
    private static Map<String, AttributeValue> progress(Batch batch) {
        RequestCounts counts = batch.counts();
        List<Integer> values = List.of(counts.total(), counts.pending(), counts.processing(), counts.completed(),
                counts.failed(), counts.cancelled(), counts.refused());
        Map<String, AttributeValue> attributes = new HashMap<>();
        attributes.put(STATUS, s(batch.status().wire()));
        attributes.put("costUsd", AttributeValue.fromN(batch.costUsd().toPlainString()));
        for (int i = 0; i < COUNTS.size(); i++) {
            attributes.put(COUNTS.get(i), n(values.get(i)));
        }
        return attributes;
    }

    private static Batch batch(Map<String, AttributeValue> item) {
        int[] counts = COUNTS.stream().mapToInt(name -> Integer.parseInt(item.get(name).n())).toArray();
        Map<String, Object> metadata = new LinkedHashMap<>();
        item.getOrDefault("metadata", AttributeValue.fromM(Map.of())).m().forEach((name, value) -> metadata.put(name, value.s()));
        return new Batch(item.get("batchId").s(), item.get(OWNER).s(), Instant.parse(item.get(CREATED_AT).s()),
                BatchStatus.fromWire(item.get(STATUS).s()), item.get("cancelRequested").bool(),
                new RequestCounts(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]),
                new BigDecimal(item.get("costUsd").n()), text(item, "callbackUrl"), metadata, text(item, "manifest"),
                item.containsKey("completedAt") ? Instant.parse(item.get("completedAt").s()) : null, text(item, "webhook"));
    }

    private static BatchEntry entry(Map<String, AttributeValue> item) {
        BatchEntry.Refusal refusal = item.containsKey("errorCode")
                ? new BatchEntry.Refusal(item.get("errorCode").s(), item.get("errorMessage").s(), text(item, "errorParam")) : null;
        return new BatchEntry(Integer.parseInt(item.get("index").n()), text(item, TASK_ID),
                BatchEntry.State.fromWire(item.get("state").s()), refusal, new BigDecimal(item.get("costUsd").n()),
                text(item, "video"));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }
}
