package dev.reelay.adapter.dynamodb;

import dev.reelay.adapter.dynamodb.TasksTableSchema.ItemKind;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.ProviderSlots.Grant;
import dev.reelay.port.ProviderSlots.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link TasksTableSchema} is the table: the local table is made from it with exactly its keys, index
 * and time to live; every key factory builds the layout its {@link ItemKind} announces; and what the
 * stores write, all of them together, is items of the listed kinds only, with task items alone in
 * the sparse owner index.
 */
class TasksTableSchemaTest {
    private static final String TABLE = "TasksTable";
    private static LocalDynamoDb dynamo;

    @BeforeAll
    static void startDynamoDbLocal() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @Test
    void theLocalTableHasExactlyTheSchemasKeysIndexAndTimeToLive() {
        var table = dynamo.client().describeTable(d -> d.tableName(TABLE)).table();

        assertThat(table.keySchema()).extracting(KeySchemaElement::attributeName, KeySchemaElement::keyType)
                .containsExactly(tuple(TasksTableSchema.PARTITION_KEY, KeyType.HASH), tuple(TasksTableSchema.SORT_KEY, KeyType.RANGE));
        assertThat(table.attributeDefinitions()).extracting(AttributeDefinition::attributeName)
                .containsExactlyInAnyOrderElementsOf(TasksTableSchema.KEY_ATTRIBUTES);
        assertThat(table.attributeDefinitions()).extracting(AttributeDefinition::attributeType).containsOnly(ScalarAttributeType.S);
        assertThat(table.globalSecondaryIndexes()).singleElement().satisfies(index -> {
            assertThat(index.indexName()).isEqualTo(TasksTableSchema.OWNER_INDEX.name());
            assertThat(index.keySchema()).extracting(KeySchemaElement::attributeName, KeySchemaElement::keyType).containsExactly(
                    tuple(TasksTableSchema.OWNER_INDEX.partitionKey(), KeyType.HASH), tuple(TasksTableSchema.OWNER_INDEX.sortKey(), KeyType.RANGE));
            assertThat(index.projection().projectionType()).isEqualTo(ProjectionType.ALL);
        });
        assertThat(dynamo.client().describeTimeToLive(d -> d.tableName(TABLE)).timeToLiveDescription().attributeName())
                .isEqualTo(TasksTableSchema.TTL_ATTRIBUTE);
    }

    @Test
    void theNamesAreThoseOfTheDeployedTable() {
        // template.yaml's table (TemplateOperationsContractTest) and tables already deployed have these names:
        // renaming one in the schema would orphan the data, so it must be a deliberate change here too.
        assertThat(List.of(TasksTableSchema.PARTITION_KEY, TasksTableSchema.SORT_KEY, TasksTableSchema.TTL_ATTRIBUTE))
                .containsExactly("pk", "sk", "expiresAt");
        assertThat(TasksTableSchema.OWNER_INDEX)
                .isEqualTo(new TasksTableSchema.Index("OwnerCreatedIndex", "ownerKeyId", "createdAtTaskId"));
    }

    @Test
    void everyKeyFactoryBuildsTheLayoutOfItsItemKind() {
        Instant at = Instant.parse("2026-11-23T10:00:00.123Z");
        for (ItemKind kind : ItemKind.values()) {
            Map<String, AttributeValue> key = switch (kind) {
                case TASK -> TasksTableSchema.taskKey("task-1");
                case BILLING -> TasksTableSchema.billingKey("task-1");
                case USAGE -> TasksTableSchema.usageKey("team-a", at);
                case API_KEY -> TasksTableSchema.apiKeyKey("team-a");
                case API_KEY_LOOKUP -> TasksTableSchema.apiKeyLookupKey("ab12");
                case IDEMPOTENCY_CLAIM -> TasksTableSchema.idempotencyClaimKey("team-a", "order-7");
                case CALLBACK -> TasksTableSchema.callbackKey("s3cr3t");
                case WEBHOOK_SECRET -> TasksTableSchema.webhookSecretKey("team-a");
                case VENDOR_SLOTS -> TasksTableSchema.vendorSlotsKey("unified");
                case KEY_SLOTS -> TasksTableSchema.keySlotsKey("team-a");
                case QUEUE_ENTRY -> TasksTableSchema.queueEntryKey("task-1", at);
                case BATCH -> TasksTableSchema.batchKey("batch-1");
                case BATCH_ENTRY -> TasksTableSchema.batchEntryKey("batch-1", 7);
            };
            assertThat(kindsOf(key)).as("%s: %s", kind, key).containsExactly(kind);
        }
        assertThat(TasksTableSchema.usageKey("team-a", at)).isEqualTo(TasksTableSchema.usageKey("team-a", "2026-11"))
                .containsEntry("sk", AttributeValue.fromS("MONTH#2026-11"));
        assertThat(TasksTableSchema.queueEntryKey("task-1", at)).containsEntry("sk", AttributeValue.fromS("1795428000123#task-1"));
        assertThat(TasksTableSchema.batchEntryKey("batch-1", 7)).containsEntry("sk", AttributeValue.fromS("ENTRY#0007"));
        assertThat(TasksTableSchema.taskKey("task-1")).isEqualTo(Map.of("pk", AttributeValue.fromS("TASK#task-1"), "sk", AttributeValue.fromS("TASK")));
    }

    @Test
    void theStoresWriteOnlyTheListedKindsAndOnlyTasksAndBatchesAreInTheOwnerIndexEachInItsOwnPartition() {
        String table = "EveryKindTable";
        dynamo.createTasksTable(table);
        var client = dynamo.client();
        Clock clock = Clock.systemUTC();
        DynamoDbTaskStore store = new DynamoDbTaskStore(client, table, clock);
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
        Quote quote = new Quote(5, new BigDecimal("0.35"), BigDecimal.ZERO);
        Task billed = Task.accepted("task-billed", "team-a", Instant.now(), request, "inputs/a.jpeg", null, quote);
        Task waiting = Task.accepted("task-waiting", "team-a", Instant.now(), request, "inputs/b.jpeg", null, quote);
        Reservation reservation = new DynamoDbBudgets(client, table).reserve("team-a", OptionalLong.empty(), quote.costMicros(), "2026-11");
        store.create(billed, reservation);
        store.create(waiting, Reservation.NONE);
        DynamoDbProviderSlots slots = new DynamoDbProviderSlots(client, table);
        Waiting entry = new Waiting(billed.id(), billed.createdAt(), "team-a", List.of("unified"), OptionalInt.of(2), null, null);
        slots.enqueue(entry);
        assertThat(slots.grant(entry, "unified", 3, Instant.now())).isEqualTo(Grant.GRANTED);
        slots.enqueue(new Waiting(waiting.id(), waiting.createdAt(), "team-a", List.of("unified"), OptionalInt.empty(), null, null));
        store.recordProviderSubmission(billed.id(), "unified", "job-1", 30, quote, TimelineEvent.of("provider_submitted", Instant.now()));
        assertThat(store.settle(billed.id(), quote, TimelineEvent.of("billed", Instant.now()))).isTrue();
        new DynamoDbApiKeys(client, table, new SecureRandom(), clock).create("team-a", null, null);
        new DynamoDbIdempotencyKeys(client, table, clock).claim("team-a", "order-7", "hash", waiting.id());
        new DynamoDbProviderCallbacks(client, table, new SecureRandom(), clock).secretFor(waiting.id());
        new DynamoDbWebhookSecrets(client, table, new SecureRandom()).ensure("team-a");
        Batch batch = Batch.accepted("batch-1", "team-a", Instant.now(), 2, null, Map.of(), null);
        new DynamoDbBatchStore(client, table).create(batch, List.of(BatchEntry.refused(1,
                new BatchEntry.Refusal("invalid_json", "The line is not valid JSON", null))));

        List<Map<String, AttributeValue>> items = client.scanPaginator(s -> s.tableName(table)).items().stream().toList();
        Map<ItemKind, Long> kinds = items.stream().collect(Collectors.groupingBy(item -> {
            Set<ItemKind> matching = kindsOf(Map.of("pk", item.get("pk"), "sk", item.get("sk")));
            assertThat(matching).as("the kind of %s", item).hasSize(1);
            return matching.iterator().next();
        }, Collectors.counting()));
        assertThat(kinds.keySet()).as("every kind, written by the stores").isEqualTo(EnumSet.allOf(ItemKind.class));
        assertThat(kinds).containsEntry(ItemKind.TASK, 2L).containsEntry(ItemKind.QUEUE_ENTRY, 1L);

        var indexed = client.scanPaginator(s -> s.tableName(table).indexName(TasksTableSchema.OWNER_INDEX.name())).items().stream().toList();
        var tasksOfTeam = indexed.stream().filter(item -> item.get(TasksTableSchema.OWNER_KEY_ID).s().equals("team-a")).toList();
        assertThat(tasksOfTeam).extracting(item -> item.get(TasksTableSchema.TASK_ID).s())
                .containsExactlyInAnyOrder(billed.id(), waiting.id());
        assertThat(tasksOfTeam).allSatisfy(item -> assertThat(kindsOf(Map.of("pk", item.get("pk"), "sk", item.get("sk"))))
                .containsExactly(ItemKind.TASK));
        assertThat(indexed).filteredOn(item -> !tasksOfTeam.contains(item)).singleElement().satisfies(item -> {
            assertThat(kindsOf(Map.of("pk", item.get("pk"), "sk", item.get("sk")))).containsExactly(ItemKind.BATCH);
            assertThat(item.get(TasksTableSchema.OWNER_KEY_ID).s()).isEqualTo(TasksTableSchema.BATCH_OWNER_PREFIX + "team-a");
        });
    }

    /** The kinds whose layout the key fits: {@code <...>} stands for any non-empty text. */
    private static Set<ItemKind> kindsOf(Map<String, AttributeValue> key) {
        return Arrays.stream(ItemKind.values())
                .filter(kind -> layout(kind.partitionKey()).matcher(key.get(TasksTableSchema.PARTITION_KEY).s()).matches()
                        && layout(kind.sortKey()).matcher(key.get(TasksTableSchema.SORT_KEY).s()).matches())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(ItemKind.class)));
    }

    private static Pattern layout(String layout) {
        return Pattern.compile(Arrays.stream(layout.split("<[^>]+>", -1)).map(Pattern::quote).collect(Collectors.joining(".+")));
    }
}
