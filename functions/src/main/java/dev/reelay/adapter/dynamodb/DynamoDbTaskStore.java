package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.TaskPage;
import dev.reelay.port.TaskStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.reelay.adapter.dynamodb.Attributes.n;
import static dev.reelay.adapter.dynamodb.Attributes.s;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.COMMITTED_MICROS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_PRESENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_INDEX;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_KEY_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.SLOT_PROVIDER;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.STATUS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.taskKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.timestamp;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.usageKey;

/**
 * Tasks in the tasks table: one item per task ({@code pk=TASK#id, sk=TASK}, mapped by {@link TaskItems}),
 * one billing record per settled task ({@code sk=BILLING}) and monthly usage counters per API key
 * ({@code pk=USAGE#key, sk=MONTH#yyyy-MM}). Each timeline event is written with a guard on the set of events already
 * recorded, so a retried step never records its event twice.
 * <p>
 * Budgets: a task holds the reservation made for it at submission ({@code reservedMicros},
 * {@code reservedMonth}); ending the task settles it in {@code committedMicros} of that month, in
 * the same transaction as the status change (see {@link #endTaskSettlingReservation}).
 * <p>
 * Task items, and only they, carry the keys of the sparse owner index ({@link TasksTableSchema#OWNER_INDEX}):
 * {@code ownerKeyId} and {@code createdAtTaskId} ({@link TaskCursor#sortKey()}), which lists an owner's tasks newest first.
 * The keys of every item are {@link TasksTableSchema}'s.
 */
public final class DynamoDbTaskStore implements TaskStore {
    private static final String RUNNING = "#status IN (:pending, :processing)";
    private static final String ENDED = "#status IN (:completed, :failed, :cancelled)";
    /** Items read per query when filtering by status, and queries per page: a sparse status reads at most their product. */
    private static final int FILTERED_READ_SIZE = 200;
    private static final int MAX_LIST_QUERIES = 10;
    /** DynamoDB's most keys in one BatchGetItem, and how often unprocessed keys are asked for again. */
    private static final int BATCH_GET_SIZE = 100;
    private static final int MAX_BATCH_GET_ATTEMPTS = 8;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final int filteredReadSize;
    private final int maxListQueries;

    public DynamoDbTaskStore(DynamoDbClient dynamo, String table, Clock clock) {
        this(dynamo, table, clock, FILTERED_READ_SIZE, MAX_LIST_QUERIES);
    }

    /** With the list's read bounds set, for tests of a page cut short by them. */
    DynamoDbTaskStore(DynamoDbClient dynamo, String table, Clock clock, int filteredReadSize, int maxListQueries) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.filteredReadSize = filteredReadSize;
        this.maxListQueries = maxListQueries;
    }

    @Override
    public void create(Task task, Reservation reservation) {
        Map<String, AttributeValue> item = TaskItems.toItem(task);
        if (reservation.holdsSomething()) {
            item.put("reservedMicros", n(reservation.micros()));
            item.put("reservedMonth", s(reservation.month()));
        }
        dynamo.putItem(put -> put.tableName(table).item(item).conditionExpression(ITEM_ABSENT));
    }

    @Override
    public Optional<Task> find(String taskId) {
        return findItem(taskId).map(TaskItems::fromItem);
    }

    /** BatchGetItem, 100 keys a call (DynamoDB's most), asking again for what DynamoDB leaves unprocessed. */
    @Override
    public List<Task> findAll(Collection<String> taskIds) {
        List<Task> found = new ArrayList<>();
        List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(taskIds));
        for (int from = 0; from < ids.size(); from += BATCH_GET_SIZE) {
            List<Map<String, AttributeValue>> keys = ids.subList(from, Math.min(ids.size(), from + BATCH_GET_SIZE)).stream()
                    .map(TasksTableSchema::taskKey).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
            for (int attempt = 0; !request.isEmpty(); attempt++) {
                if (attempt == MAX_BATCH_GET_ATTEMPTS) {
                    throw new TransientFailureException("storage_unavailable",
                            "DynamoDB left tasks unread after " + MAX_BATCH_GET_ATTEMPTS + " attempts", null);
                }
                Map<String, KeysAndAttributes> asked = request;
                BatchGetItemResponse response = dynamo.batchGetItem(get -> get.requestItems(asked));
                response.responses().getOrDefault(table, List.of()).forEach(item -> found.add(TaskItems.fromItem(item)));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!request.isEmpty()) {
                    pause(attempt);
                }
            }
        }
        return found;
    }

    /** A short, growing pause before asking DynamoDB again for keys it left unprocessed (it throttled). */
    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(1000, 50L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientFailureException("storage_unavailable", "Interrupted while reading tasks", e);
        }
    }

    private Optional<Map<String, AttributeValue>> findItem(String taskId) {
        var item = dynamo.getItem(get -> get.tableName(table).key(taskKey(taskId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    /**
     * Reads the owner's index newest first, one more task than asked for, to tell whether more follow.
     * With a status filter DynamoDB filters after reading, so this reads on until the page is full;
     * after {@code maxListQueries} queries it answers what it found with a cursor at the last item
     * read, so that even a very sparse status costs a bounded amount per page, and no task is skipped.
     */
    @Override
    public TaskPage list(String ownerKeyId, Optional<TaskStatus> status, int limit, Optional<String> cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("A page holds at least one task: " + limit);
        }
        Map<String, AttributeValue> startKey = cursor.map(TaskCursor::decode).map(c -> indexKey(ownerKeyId, c)).orElse(null);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":owner", s(ownerKeyId)));
        status.ifPresent(wanted -> values.put(":status", s(wanted.wire())));
        List<Task> found = new ArrayList<>();
        for (int query = 0; query < maxListQueries; query++) {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(OWNER_INDEX.name())
                    .keyConditionExpression(OWNER_INDEX.partitionKey() + " = :owner")
                    .expressionAttributeValues(values)
                    .scanIndexForward(false)
                    .limit(status.isPresent() ? filteredReadSize : limit + 1 - found.size())
                    .exclusiveStartKey(startKey);
            status.ifPresent(wanted -> request.filterExpression("#status = :status")
                    .expressionAttributeNames(Map.of("#status", STATUS)));
            QueryResponse response = dynamo.query(request.build());
            for (Map<String, AttributeValue> item : response.items()) {
                found.add(TaskItems.fromItem(item));
                if (found.size() > limit) {
                    List<Task> page = found.subList(0, limit);
                    return new TaskPage(page, Optional.of(TaskCursor.of(page.get(limit - 1)).encode()));
                }
            }
            if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                return new TaskPage(found, Optional.empty());
            }
            startKey = response.lastEvaluatedKey();
        }
        // The read bound: what was found so far, and a cursor right after the last task read.
        return new TaskPage(found, Optional.of(TaskCursor.fromSortKey(startKey.get(OWNER_INDEX.sortKey()).s()).encode()));
    }

    /** The index position of a cursor: the index's keys and the table's. */
    private static Map<String, AttributeValue> indexKey(String ownerKeyId, TaskCursor cursor) {
        Map<String, AttributeValue> key = new HashMap<>(taskKey(cursor.taskId()));
        key.put(OWNER_INDEX.partitionKey(), s(ownerKeyId));
        key.put(OWNER_INDEX.sortKey(), s(cursor.sortKey()));
        return key;
    }

    @Override
    public boolean markSubmitting(String taskId, PendingSubmission pending) {
        try {
            dynamo.updateItem(update -> update.tableName(table).key(taskKey(taskId))
                    .updateExpression("SET submittingTo = :provider, submittingSince = :since, updatedAt = :now")
                    .conditionExpression(RUNNING + " AND attribute_not_exists(providerTaskId)")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(withStatuses(Map.of(":provider", s(pending.provider()),
                            ":since", s(timestamp(pending.since())), ":now", s(now())))));
            return true;
        } catch (ConditionalCheckFailedException endedOrTaken) {
            return false;
        }
    }

    @Override
    public void clearSubmitting(String taskId) {
        dynamo.updateItem(update -> update.tableName(table).key(taskKey(taskId))
                .updateExpression("REMOVE submittingTo, submittingSince").conditionExpression(ITEM_PRESENT));
    }

    @Override
    public boolean recordProviderSubmission(String taskId, String provider, String providerTaskId,
                                            int estimatedSeconds, Quote quote, TimelineEvent event) {
        Update update = runningUpdate(taskId, event,
                "#status = :processing, provider = :provider, providerTaskId = :providerTaskId, estimatedSeconds = :estimate, "
                        + "quotedSeconds = :quotedSeconds, quotedCostUsd = :quotedCost, quotedCredits = :quotedCredits",
                RUNNING + " AND attribute_not_exists(providerTaskId)",
                withStatuses(Map.of(":provider", s(provider), ":providerTaskId", s(providerTaskId), ":estimate", n(estimatedSeconds),
                        ":quotedSeconds", n(quote.billedSeconds()),
                        ":quotedCost", AttributeValue.fromN(quote.costUsd().toPlainString()),
                        ":quotedCredits", AttributeValue.fromN(quote.credits().toPlainString()))));
        try {
            dynamo.updateItem(request(update.toBuilder()
                    .updateExpression(update.updateExpression() + " REMOVE submittingTo, submittingSince").build()));
            return true;
        } catch (ConditionalCheckFailedException endedOrTaken) {
            return false;
        }
    }

    @Override
    public void recordProgress(String taskId, int progress) {
        try {
            dynamo.updateItem(update -> update.tableName(table).key(taskKey(taskId))
                    .updateExpression("SET progress = :progress, updatedAt = :now")
                    .conditionExpression(RUNNING + " AND (attribute_not_exists(progress) OR progress < :progress)")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(withStatuses(Map.of(":progress", n(progress), ":now", s(now())))));
        } catch (ConditionalCheckFailedException alreadyFurther) {
            // Progress only moves forward, and not at all once the task has ended.
        }
    }

    @Override
    public boolean appendEvent(String taskId, TimelineEvent event) {
        return updateRunning(taskId, event, null, Map.of());
    }

    @Override
    public boolean appendEventToEndedTask(String taskId, TimelineEvent event) {
        return appendOnce(taskId, event, null, ENDED, Map.of(":completed", s(TaskStatus.COMPLETED.wire()),
                ":failed", s(TaskStatus.FAILED.wire()), ":cancelled", s(TaskStatus.CANCELLED.wire())));
    }

    @Override
    public boolean recordResult(String taskId, TaskResult result, TimelineEvent event) {
        return updateRunning(taskId, event,
                "resultKey = :key, resultSha256 = :sha, resultBytes = :bytes, resultDurationSeconds = :duration",
                Map.of(":key", s(result.archiveKey()), ":sha", s(result.sha256Hex()), ":bytes", n(result.bytes()),
                        ":duration", AttributeValue.fromN(BigDecimal.valueOf(result.durationSeconds()).toPlainString())));
    }

    @Override
    public boolean settle(String taskId, Quote charge, TimelineEvent event) {
        Map<String, AttributeValue> item = findItem(taskId)
                .orElseThrow(() -> new IllegalStateException("No task " + taskId + " to settle"));
        Task task = TaskItems.fromItem(item);
        Instant at = event.at();
        Map<String, AttributeValue> values = withStatuses(new HashMap<>(Map.of(
                ":completed", s(TaskStatus.COMPLETED.wire()),
                ":seconds", n(charge.billedSeconds()),
                ":cost", AttributeValue.fromN(charge.costUsd().toPlainString()),
                ":credits", AttributeValue.fromN(charge.credits().toPlainString()),
                ":event", TaskItems.eventList(event),
                ":eventName", AttributeValue.fromSs(List.of(event.key())),
                ":hundred", n(100),
                ":now", s(now()))));
        Update completeTask = Update.builder().tableName(table).key(taskKey(taskId))
                .updateExpression("SET #status = :completed, progress = :hundred, chargedSeconds = :seconds, "
                        + "chargedCostUsd = :cost, chargedCredits = :credits, #timeline = list_append(#timeline, :event), "
                        + "updatedAt = :now, settledAt = :now ADD recordedEvents :eventName")
                .conditionExpression(RUNNING)
                .expressionAttributeNames(Map.of("#status", STATUS, "#timeline", "timeline"))
                .expressionAttributeValues(values).build();
        return endTaskSettlingReservation(item, completeTask, charge, true, at, List.of(billingRecord(task, charge, at, TaskStatus.COMPLETED)));
    }

    /** The task's billing record, written once: conditional on there being none. */
    private TransactWriteItem billingRecord(Task task, Quote charge, Instant at, TaskStatus outcome) {
        Map<String, AttributeValue> billing = TaskItems.billingItem(task, charge, at, outcome);
        return TransactWriteItem.builder().put(p -> p.tableName(table).item(billing)
                .conditionExpression(ITEM_ABSENT)).build();
    }

    @Override
    public boolean markFailed(String taskId, Failure failure, TimelineEvent event) {
        Optional<Map<String, AttributeValue>> item = findItem(taskId);
        if (item.isEmpty()) {
            return false;
        }
        Update failTask = runningUpdate(taskId, event, "#status = :failed, failureCode = :code, failureMessage = :message",
                RUNNING, withStatuses(Map.of(":failed", s(TaskStatus.FAILED.wire()), ":code", s(failure.code()),
                        ":message", s(failure.message()))));
        return endTaskSettlingReservation(item.get(), failTask, Quote.FREE, false, event.at(), List.of());
    }

    /**
     * Cancels a running task, in the same transaction as its budget reservation: a free cancellation
     * releases the reservation; a charged one (the vendor bills the job anyway) settles it and writes
     * the billing record, exactly as a settlement does. Conditional on the task still running with the
     * vendor task the caller saw, so a vendor that accepted the job meanwhile is never cancelled for free.
     */
    @Override
    public boolean markCancelled(String taskId, String expectedProviderTaskId, Quote charge, TimelineEvent event) {
        Optional<Map<String, AttributeValue>> item = findItem(taskId);
        if (item.isEmpty()) {
            return false;
        }
        Map<String, AttributeValue> values = withStatuses(new HashMap<>(Map.of(
                ":cancelled", s(TaskStatus.CANCELLED.wire()),
                ":seconds", n(charge.billedSeconds()),
                ":cost", AttributeValue.fromN(charge.costUsd().toPlainString()),
                ":credits", AttributeValue.fromN(charge.credits().toPlainString()))));
        String where = RUNNING;
        if (expectedProviderTaskId == null) {
            where += " AND attribute_not_exists(providerTaskId)";
        } else {
            where += " AND providerTaskId = :expectedProviderTaskId";
            values.put(":expectedProviderTaskId", s(expectedProviderTaskId));
        }
        Update cancelTask = runningUpdate(taskId, event,
                "#status = :cancelled, chargedSeconds = :seconds, chargedCostUsd = :cost, chargedCredits = :credits", where, values);
        boolean billed = charge.costMicros() > 0;
        return endTaskSettlingReservation(item.get(), cancelTask, charge, billed, event.at(),
                billed ? List.of(billingRecord(TaskItems.fromItem(item.get()), charge, event.at(), TaskStatus.CANCELLED)) : List.of());
    }

    /**
     * Ends a running task in ONE transaction together with its budget reservation: the owner's
     * {@code committedMicros} of the reservation's month moves by {@code charge − reserved}, which
     * settles the reservation to the real cost, or with {@link Quote#FREE} releases it. A billed
     * task's usage counters ({@code tasks}, {@code billedSeconds}, {@code costMicros}) are counted
     * in the month of {@code at}, in the same transaction.
     * <p>
     * {@code endTask} must be conditional on the task still running: that condition makes the
     * adjustment happen exactly once however often the end is retried or raced, because only one
     * transaction can move the task out of a running status. Used by {@link #settle} and
     * {@link #markFailed}; cancellation ends a task through here too (with {@link Quote#FREE}, or
     * what a cancelled task is charged). A task recorded before budgets existed holds no
     * reservation: its charge is then simply added to {@code committedMicros} of the month of {@code at}.
     *
     * @param taskItem the task's item as read before the end (its owner and reservation never change)
     * @param billed   whether the task is billed {@code charge}: its usage counters then count it
     * @param others   further writes of the same transaction, e.g. the billing record
     * @return false, writing nothing, when the task had already ended
     */
    private boolean endTaskSettlingReservation(Map<String, AttributeValue> taskItem, Update endTask, Quote charge,
                                               boolean billed, Instant at, List<TransactWriteItem> others) {
        String owner = taskItem.get(OWNER_KEY_ID).s();
        Reservation reservation = TaskItems.reservation(taskItem);
        String settleMonth = MonthlyBudget.monthOf(at);
        // A transaction may write each item once: the counters of one month go into one update.
        Map<String, Map<String, Long>> additions = new LinkedHashMap<>();
        if (billed) {
            Map<String, Long> counted = additions.computeIfAbsent(settleMonth, m -> new LinkedHashMap<>());
            counted.put("tasks", 1L);
            counted.put("billedSeconds", (long) charge.billedSeconds());
            counted.put("costMicros", charge.costMicros());
        }
        long delta = charge.costMicros() - reservation.micros();
        if (delta != 0) {
            String month = reservation.holdsSomething() ? reservation.month() : settleMonth;
            additions.computeIfAbsent(month, m -> new LinkedHashMap<>()).put(COMMITTED_MICROS, delta);
        }
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().update(endTask).build());
        writes.addAll(others);
        additions.forEach((month, counters) -> writes.add(usageAddition(owner, month, counters)));
        writes.addAll(DynamoDbProviderSlots.releaseWrites(table, taskItem));
        // The first write is conditional on the task still running: false means it had ended (or was billed).
        if (!Transactions.write(dynamo, writes)) {
            return false;
        }
        releaseSlotGrantedMeanwhile(taskItem);
        return true;
    }

    /**
     * A slot granted between reading the task and ending it is not in the ending transaction (the
     * grant needs a pending task, so none can come after): it is given back here.
     */
    private void releaseSlotGrantedMeanwhile(Map<String, AttributeValue> before) {
        String taskId = before.get(TASK_ID).s();
        findItem(taskId).filter(after -> after.containsKey(SLOT_PROVIDER)
                        && !after.get(SLOT_PROVIDER).equals(before.get(SLOT_PROVIDER)))
                .ifPresent(after -> {
                    List<TransactWriteItem> release = DynamoDbProviderSlots.releaseWrites(table, after);
                    Transactions.write(dynamo, release.subList(1, release.size()));
                });
    }

    private TransactWriteItem usageAddition(String owner, String month, Map<String, Long> counters) {
        List<String> parts = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        int i = 0;
        for (Map.Entry<String, Long> counter : counters.entrySet()) {
            parts.add("#c" + i + " :v" + i);
            names.put("#c" + i, counter.getKey());
            values.put(":v" + i, n(counter.getValue()));
            i++;
        }
        return TransactWriteItem.builder().update(u -> u.tableName(table).key(usageKey(owner, month))
                .updateExpression("ADD " + String.join(", ", parts))
                .expressionAttributeNames(names).expressionAttributeValues(values)).build();
    }

    /**
     * One conditional update of a task that is still running: the given assignments, plus the
     * event appended to the timeline unless it was recorded before.
     */
    private boolean updateRunning(String taskId, TimelineEvent event, String assignments, Map<String, AttributeValue> extra) {
        return appendOnce(taskId, event, assignments, RUNNING, withStatuses(extra));
    }

    /** Appends the event, with optional other assignments, when {@code statusCondition} holds and the event's key is new. */
    private boolean appendOnce(String taskId, TimelineEvent event, String assignments, String statusCondition,
                               Map<String, AttributeValue> extra) {
        try {
            dynamo.updateItem(request(runningUpdate(taskId, event, assignments, statusCondition, extra)));
            return true;
        } catch (ConditionalCheckFailedException endedOrRecorded) {
            return false;
        }
    }

    private static UpdateItemRequest request(Update update) {
        return UpdateItemRequest.builder().tableName(update.tableName()).key(update.key())
                .updateExpression(update.updateExpression()).conditionExpression(update.conditionExpression())
                .expressionAttributeNames(update.expressionAttributeNames())
                .expressionAttributeValues(update.expressionAttributeValues()).build();
    }

    /** The update behind {@link #appendOnce}, also usable as one write of a transaction. */
    private Update runningUpdate(String taskId, TimelineEvent event, String assignments, String statusCondition,
                                 Map<String, AttributeValue> extra) {
        Map<String, AttributeValue> values = new HashMap<>(extra);
        values.put(":event", TaskItems.eventList(event));
        values.put(":eventName", AttributeValue.fromSs(List.of(event.key())));
        values.put(":eventNameText", s(event.key()));
        values.put(":now", s(now()));
        String set = "SET " + (assignments == null ? "" : assignments + ", ")
                + "#timeline = list_append(#timeline, :event), updatedAt = :now ADD recordedEvents :eventName";
        return Update.builder().tableName(table).key(taskKey(taskId))
                .updateExpression(set)
                .conditionExpression(statusCondition + " AND NOT contains(recordedEvents, :eventNameText)")
                .expressionAttributeNames(Map.of("#status", STATUS, "#timeline", "timeline"))
                .expressionAttributeValues(values).build();
    }

    private static Map<String, AttributeValue> withStatuses(Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":pending", s(TaskStatus.PENDING.wire()));
        all.put(":processing", s(TaskStatus.PROCESSING.wire()));
        return all;
    }

    private String now() {
        return timestamp(clock.instant());
    }
}
