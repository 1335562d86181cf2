package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.MonthlyBudget;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tasks table's schema, in one place: its primary key, the kinds of item it holds and how each
 * is keyed ({@link ItemKind}), the attributes more than one store reads or writes, the owner index
 * and the time-to-live attribute. Every DynamoDB store of this package keys its items here;
 * template.yaml declares the same table, and the local stack creates it from this class
 * (TasksTableSchemaTest and TemplateOperationsContractTest hold the three together).
 * <p>
 * Keys are text: {@code pk} groups an item with its kin (a task with its billing record), {@code sk}
 * names the item within. Times are ISO-8601 text to the millisecond ({@link #timestamp}) unless a
 * kind says otherwise.
 */
public final class TasksTableSchema {
    /** The table's partition key (text). */
    public static final String PARTITION_KEY = "pk";
    /** The table's sort key (text). */
    public static final String SORT_KEY = "sk";
    /** A condition that the item does not exist yet: a put that must not overwrite. */
    public static final String ITEM_ABSENT = "attribute_not_exists(" + PARTITION_KEY + ")";
    /** A condition that the item exists: an update that must not create it. */
    public static final String ITEM_PRESENT = "attribute_exists(" + PARTITION_KEY + ")";

    /** The task's id: on its task and billing items, and on what points at a task (callback, idempotency claim, queue entry). */
    public static final String TASK_ID = "taskId";
    /** The name of the API key that owns the item: a task, its billing record, a webhook secret, a queue entry. */
    public static final String OWNER_KEY_ID = "ownerKeyId";
    /** When the item was created. */
    public static final String CREATED_AT = "createdAt";
    /** A task's {@code <createdAt, fixed-width ISO to the ms>#<task id>} (TaskCursor's sort key): the owner index's sort key. */
    public static final String CREATED_AT_TASK_ID = "createdAtTaskId";
    /** A task's status, in its wire form ({@code pending}, {@code processing}, ...). */
    public static final String STATUS = "status";
    /** On a task: the vendor where it holds a slot (DynamoDbProviderSlots grants it, ending the task releases it). */
    public static final String SLOT_PROVIDER = "slotProvider";
    /** On a task: the secret of its callback registration (DynamoDbProviderCallbacks). */
    public static final String CALLBACK_SECRET = "callbackSecret";
    /** On a usage item: the micro-dollars reserved and settled against the owner's monthly budget. */
    public static final String COMMITTED_MICROS = "committedMicros";
    /**
     * The table's time-to-live attribute: epoch seconds after which DynamoDB may delete the item
     * (late: usually within days; DynamoDB Local never does). See {@link Expiry}.
     */
    public static final String TTL_ATTRIBUTE = "expiresAt";

    /** A global secondary index: its name and its keys (text), every attribute projected. */
    public record Index(String name, String partitionKey, String sortKey) {
    }

    /**
     * Tasks by owner, newest first ({@code GET /v1/tasks}). Sparse: only task items carry both keys.
     * Callbacks need no index: they are found by their secret, the primary key.
     */
    public static final Index OWNER_INDEX = new Index("OwnerCreatedIndex", OWNER_KEY_ID, CREATED_AT_TASK_ID);

    /** The text attributes the table declares: its keys and its index's keys. */
    public static final List<String> KEY_ATTRIBUTES = List.of(PARTITION_KEY, SORT_KEY, OWNER_INDEX.partitionKey(), OWNER_INDEX.sortKey());

    /**
     * Every kind of item in the table, with its key's layout ({@code <...>} is a variable part).
     * The key factories below build exactly these keys.
     */
    public enum ItemKind {
        /** A task (TaskItems maps it). */
        TASK("TASK#<task id>", "TASK"),
        /** A settled or charged task's billing record, written once. */
        BILLING("TASK#<task id>", "BILLING"),
        /** An owner's monthly usage: the counters {@code tasks}, {@code billedSeconds}, {@code costMicros} and the budget's {@link #COMMITTED_MICROS}. */
        USAGE("USAGE#<key name>", "MONTH#<yyyy-MM>"),
        /** An API key: name, SHA-256 of the secret, budget, concurrency cap, revocation. All keys share one partition. */
        API_KEY("APIKEYS", "NAME#<key name>"),
        /** The lookup from an API key's SHA-256 to its name. */
        API_KEY_LOOKUP("APIKEY#<sha256>", "APIKEY"),
        /** An idempotency key's claim (task, request hash); expires after a day. */
        IDEMPOTENCY_CLAIM("IDEMPOTENCY#<key name>#<idempotency key>", "IDEMPOTENCY"),
        /** A task's callback registration (task, waiting token), found by its secret; expires after a week. */
        CALLBACK("CALLBACK#<secret>", "CALLBACK"),
        /** An owner's webhook signing secret. */
        WEBHOOK_SECRET("WEBHOOK_SECRET#<key name>", "WEBHOOK_SECRET"),
        /** A vendor's slots: holders, learned cap, pause. */
        VENDOR_SLOTS("SLOTS#VENDOR#<provider>", "SLOTS"),
        /** An API key's slots: holders. */
        KEY_SLOTS("SLOTS#KEY#<key name>", "SLOTS"),
        /** A task waiting for a slot, oldest first. */
        QUEUE_ENTRY("QUEUE", "<acceptance epoch ms, 13 digits>#<task id>"),
        /**
         * A batch (DynamoDbBatchStore maps it). It is on the owner index too, in a partition of its own
         * ({@link #BATCH_OWNER_PREFIX}{@code <key name>}), so that batches and tasks are listed apart.
         */
        BATCH("BATCH#<batch id>", "BATCH"),
        /** What became of one request of a batch: its task, or why it was refused. */
        BATCH_ENTRY("BATCH#<batch id>", "ENTRY#<request index, 4 digits>");

        private final String partitionKey;
        private final String sortKey;

        ItemKind(String partitionKey, String sortKey) {
            this.partitionKey = partitionKey;
            this.sortKey = sortKey;
        }

        /** The layout of the partition key, e.g. {@code TASK#<task id>}. */
        public String partitionKey() {
            return partitionKey;
        }

        /** The layout of the sort key, e.g. {@code TASK}. */
        public String sortKey() {
            return sortKey;
        }
    }

    /** The sort key of every task item: scans for tasks filter on it. */
    public static final String TASK_SORT_KEY = "TASK";
    /** The partition of all API keys, listed with one query. */
    public static final String API_KEYS_PARTITION = "APIKEYS";
    /** The partition of the queue, read oldest first. */
    public static final String QUEUE_PARTITION = "QUEUE";
    /** The sort key of every batch item. */
    public static final String BATCH_SORT_KEY = "BATCH";
    /** On a batch item, the owner index's partition: {@code BATCHES#<key name>}, never a task owner's. */
    public static final String BATCH_OWNER_PREFIX = "BATCHES#";
    /** The sort-key prefix of a batch's entries. */
    public static final String BATCH_ENTRY_PREFIX = "ENTRY#";
    /** The partition-key prefix of every vendor's slots. */
    public static final String VENDOR_SLOTS_PREFIX = "SLOTS#VENDOR#";

    private TasksTableSchema() {
    }

    public static Map<String, AttributeValue> taskKey(String taskId) {
        return key("TASK#" + taskId, TASK_SORT_KEY);
    }

    public static Map<String, AttributeValue> billingKey(String taskId) {
        return key("TASK#" + taskId, "BILLING");
    }

    /** The owner's usage item of the month {@code at} falls in (UTC). */
    public static Map<String, AttributeValue> usageKey(String ownerKeyId, Instant at) {
        return usageKey(ownerKeyId, MonthlyBudget.monthOf(at));
    }

    /** @param month {@code yyyy-MM} */
    public static Map<String, AttributeValue> usageKey(String ownerKeyId, String month) {
        return key("USAGE#" + ownerKeyId, "MONTH#" + month);
    }

    public static Map<String, AttributeValue> apiKeyKey(String name) {
        return key(API_KEYS_PARTITION, "NAME#" + name);
    }

    public static Map<String, AttributeValue> apiKeyLookupKey(String secretSha256) {
        return key("APIKEY#" + secretSha256, "APIKEY");
    }

    public static Map<String, AttributeValue> idempotencyClaimKey(String ownerKeyId, String idempotencyKey) {
        return key("IDEMPOTENCY#" + ownerKeyId + "#" + idempotencyKey, "IDEMPOTENCY");
    }

    public static Map<String, AttributeValue> callbackKey(String secret) {
        return key("CALLBACK#" + secret, "CALLBACK");
    }

    public static Map<String, AttributeValue> webhookSecretKey(String ownerKeyId) {
        return key("WEBHOOK_SECRET#" + ownerKeyId, "WEBHOOK_SECRET");
    }

    public static Map<String, AttributeValue> vendorSlotsKey(String provider) {
        return key(VENDOR_SLOTS_PREFIX + provider, "SLOTS");
    }

    public static Map<String, AttributeValue> keySlotsKey(String ownerKeyId) {
        return key("SLOTS#KEY#" + ownerKeyId, "SLOTS");
    }

    public static Map<String, AttributeValue> queueEntryKey(String taskId, Instant acceptedAt) {
        return key(QUEUE_PARTITION, queuePlace(taskId, acceptedAt));
    }

    /** A queue entry's sort key: fixed-width epoch milliseconds, so that text order is arrival order. */
    public static String queuePlace(String taskId, Instant acceptedAt) {
        return String.format("%013d#%s", acceptedAt.toEpochMilli(), taskId);
    }

    public static Map<String, AttributeValue> batchKey(String batchId) {
        return key("BATCH#" + batchId, BATCH_SORT_KEY);
    }

    public static Map<String, AttributeValue> batchEntryKey(String batchId, int index) {
        return key("BATCH#" + batchId, String.format(BATCH_ENTRY_PREFIX + "%04d", index));
    }

    /** A new item: the key and the given attributes. */
    public static Map<String, AttributeValue> item(Map<String, AttributeValue> key, Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new HashMap<>(attributes);
        item.putAll(key);
        return item;
    }

    /** How times are stored: ISO-8601 text to the millisecond. */
    public static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    private static Map<String, AttributeValue> key(String partition, String sort) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(partition), SORT_KEY, AttributeValue.fromS(sort));
    }
}
