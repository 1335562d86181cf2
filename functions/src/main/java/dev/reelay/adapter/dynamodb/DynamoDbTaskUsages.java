package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.request.Quality;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.usage.MonthlyUsage;
import dev.reelay.domain.usage.TaskUsage;
import dev.reelay.port.TaskUsages;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.reelay.adapter.dynamodb.Attributes.s;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_INDEX;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.STATUS;

/**
 * A key's tasks of one month, from the owner index ({@link TasksTableSchema#OWNER_INDEX}): its sort key
 * {@code createdAtTaskId} starts with the creation time, fixed-width ISO-8601 in UTC, so the tasks
 * created in a month are exactly those whose sort key begins with {@code yyyy-MM-}. One Query,
 * read page after page to the end, projecting only the attributes usage counts (the index projects
 * every attribute, so nothing is fetched from the table). Like every read of a global secondary
 * index, it is eventually consistent: a task that started or ended a moment ago may not show yet.
 */
public final class DynamoDbTaskUsages implements TaskUsages {
    /** The attributes read, by placeholder; the charge is absent until a task ends, the hold once it ended. */
    private static final Map<String, String> PROJECTED = Map.of(
            "#status", STATUS, "#provider", "provider", "#quality", "quality",
            "#chargedSeconds", "chargedSeconds", "#chargedCostUsd", "chargedCostUsd",
            "#reservedMicros", "reservedMicros", "#reservedMonth", "reservedMonth");

    private final DynamoDbClient dynamo;
    private final String table;
    private final Integer pageSize;

    public DynamoDbTaskUsages(DynamoDbClient dynamo, String table) {
        this(dynamo, table, null);
    }

    /** With a page size of its own (DynamoDB's is 1 MB of items), for tests that read many pages. */
    DynamoDbTaskUsages(DynamoDbClient dynamo, String table, Integer pageSize) {
        this.dynamo = dynamo;
        this.table = table;
        this.pageSize = pageSize;
    }

    @Override
    public List<TaskUsage> createdIn(String ownerKeyId, YearMonth month) {
        Map<String, String> names = new HashMap<>(PROJECTED);
        names.put("#owner", OWNER_INDEX.partitionKey());
        names.put("#created", OWNER_INDEX.sortKey());
        QueryRequest request = QueryRequest.builder().tableName(table).indexName(OWNER_INDEX.name())
                .keyConditionExpression("#owner = :owner AND begins_with(#created, :month)")
                .expressionAttributeNames(names)
                .expressionAttributeValues(Map.of(":owner", s(ownerKeyId), ":month", s(MonthlyUsage.wire(month) + "-")))
                .projectionExpression(String.join(", ", PROJECTED.keySet()))
                .limit(pageSize)
                .build();
        List<TaskUsage> tasks = new ArrayList<>();
        dynamo.queryPaginator(request).items().forEach(item -> tasks.add(usage(item)));
        return tasks;
    }

    private static TaskUsage usage(Map<String, AttributeValue> item) {
        TaskStatus status = TaskStatus.fromWire(item.get(STATUS).s());
        String provider = item.containsKey("provider") ? item.get("provider").s() : null;
        Quality quality = Quality.fromWire(item.get("quality").s())
                .orElseThrow(() -> new IllegalStateException("A task item with an unknown quality: " + item.get("quality")));
        if (!status.isTerminal()) {
            return TaskUsage.running(status, provider, quality, TaskItems.reservation(item));
        }
        // A failed task carries no charge (as the task object shows it: zero).
        return item.containsKey("chargedCostUsd")
                ? TaskUsage.ended(status, provider, quality, Integer.parseInt(item.get("chargedSeconds").n()),
                        new BigDecimal(item.get("chargedCostUsd").n()))
                : TaskUsage.ended(status, provider, quality, 0, BigDecimal.ZERO);
    }
}
