package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.TaskStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tasks table: one item per task ({@code pk=TASK#id, sk=TASK}), one billing record per settled
 * task ({@code sk=BILLING}) and monthly usage counters per API key ({@code pk=USAGE#key,
 * sk=MONTH#yyyy-MM}). Each timeline event is written with a guard on the set of events already
 * recorded, so a retried step never records its event twice.
 */
public final class DynamoDbTaskStore implements TaskStore {
    static final String TASK_SK = "TASK";
    static final String BILLING_SK = "BILLING";
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);
    private static final int MAX_SETTLE_ATTEMPTS = 5;
    private static final String RUNNING = "#status IN (:pending, :processing)";
    private static final String ENDED = "#status IN (:completed, :failed)";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoDbTaskStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    public static Map<String, AttributeValue> taskKey(String taskId) {
        return Map.of("pk", s("TASK#" + taskId), "sk", s(TASK_SK));
    }

    public static Map<String, AttributeValue> billingKey(String taskId) {
        return Map.of("pk", s("TASK#" + taskId), "sk", s(BILLING_SK));
    }

    public static Map<String, AttributeValue> usageKey(String ownerKeyId, Instant at) {
        return Map.of("pk", s("USAGE#" + ownerKeyId), "sk", s("MONTH#" + MONTH.format(at)));
    }

    @Override
    public void create(Task task) {
        dynamo.putItem(put -> put.tableName(table).item(TaskItems.toItem(task))
                .conditionExpression("attribute_not_exists(pk)"));
    }

    @Override
    public Optional<Task> find(String taskId) {
        var item = dynamo.getItem(get -> get.tableName(table).key(taskKey(taskId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(TaskItems.fromItem(item));
    }

    @Override
    public boolean recordProviderSubmission(String taskId, String provider, String providerTaskId,
                                            int estimatedSeconds, Quote quote, TimelineEvent event) {
        return updateRunning(taskId, event,
                "#status = :processing, provider = :provider, providerTaskId = :providerTaskId, estimatedSeconds = :estimate, "
                        + "quotedSeconds = :quotedSeconds, quotedCostUsd = :quotedCost, quotedCredits = :quotedCredits",
                Map.of(":provider", s(provider), ":providerTaskId", s(providerTaskId), ":estimate", n(estimatedSeconds),
                        ":quotedSeconds", n(quote.billedSeconds()),
                        ":quotedCost", AttributeValue.fromN(quote.costUsd().toPlainString()),
                        ":quotedCredits", AttributeValue.fromN(quote.credits().toPlainString())));
    }

    @Override
    public void recordProgress(String taskId, int progress) {
        try {
            dynamo.updateItem(update -> update.tableName(table).key(taskKey(taskId))
                    .updateExpression("SET progress = :progress, updatedAt = :now")
                    .conditionExpression(RUNNING + " AND (attribute_not_exists(progress) OR progress < :progress)")
                    .expressionAttributeNames(Map.of("#status", "status"))
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
                ":failed", s(TaskStatus.FAILED.wire())));
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
        Task task = find(taskId).orElseThrow(() -> new IllegalStateException("No task " + taskId + " to settle"));
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
        TransactWriteItem completeTask = TransactWriteItem.builder().update(u -> u.tableName(table).key(taskKey(taskId))
                .updateExpression("SET #status = :completed, progress = :hundred, chargedSeconds = :seconds, "
                        + "chargedCostUsd = :cost, chargedCredits = :credits, #timeline = list_append(#timeline, :event), "
                        + "updatedAt = :now, settledAt = :now ADD recordedEvents :eventName")
                .conditionExpression(RUNNING)
                .expressionAttributeNames(Map.of("#status", "status", "#timeline", "timeline"))
                .expressionAttributeValues(values)).build();
        Map<String, AttributeValue> billing = new HashMap<>(billingKey(taskId));
        billing.put("taskId", s(taskId));
        billing.put("ownerKeyId", s(task.ownerKeyId()));
        billing.put("provider", s(task.provider() == null ? "unknown" : task.provider()));
        billing.put("quality", s(task.request().quality().wire()));
        billing.put("sound", s(task.request().sound().wire()));
        billing.put("durationSeconds", n(task.request().durationSeconds()));
        billing.put("billedSeconds", n(charge.billedSeconds()));
        billing.put("costUsd", AttributeValue.fromN(charge.costUsd().toPlainString()));
        billing.put("costMicros", n(charge.costMicros()));
        billing.put("credits", AttributeValue.fromN(charge.credits().toPlainString()));
        billing.put("settledAt", s(TaskItems.iso(at)));
        TransactWriteItem writeBilling = TransactWriteItem.builder().put(p -> p.tableName(table).item(billing)
                .conditionExpression("attribute_not_exists(pk)")).build();
        TransactWriteItem countUsage = TransactWriteItem.builder().update(u -> u.tableName(table)
                .key(usageKey(task.ownerKeyId(), at))
                .updateExpression("ADD tasks :one, billedSeconds :seconds, costMicros :micros")
                .expressionAttributeValues(Map.of(":one", n(1), ":seconds", n(charge.billedSeconds()),
                        ":micros", n(charge.costMicros())))).build();
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(t -> t.transactItems(completeTask, writeBilling, countUsage));
                return true;
            } catch (TransactionCanceledException e) {
                List<String> reasons = e.cancellationReasons().stream().map(CancellationReason::code).toList();
                if (reasons.contains("ConditionalCheckFailed")) {
                    return false; // already settled, or the task ended otherwise: nothing to charge
                }
                // A concurrent settlement of the same task holds the items: try again, it will
                // then see the task settled.
                if (!reasons.contains("TransactionConflict") || attempt == MAX_SETTLE_ATTEMPTS) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(20L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while settling", e);
        }
    }

    @Override
    public boolean markFailed(String taskId, Failure failure, TimelineEvent event) {
        return updateRunning(taskId, event, "#status = :failed, failureCode = :code, failureMessage = :message",
                Map.of(":failed", s(TaskStatus.FAILED.wire()), ":code", s(failure.code()), ":message", s(failure.message())));
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
        Map<String, AttributeValue> values = new HashMap<>(extra);
        values.put(":event", TaskItems.eventList(event));
        values.put(":eventName", AttributeValue.fromSs(List.of(event.key())));
        values.put(":eventNameText", s(event.key()));
        values.put(":now", s(now()));
        String set = "SET " + (assignments == null ? "" : assignments + ", ")
                + "#timeline = list_append(#timeline, :event), updatedAt = :now ADD recordedEvents :eventName";
        UpdateItemRequest request = UpdateItemRequest.builder().tableName(table).key(taskKey(taskId))
                .updateExpression(set)
                .conditionExpression(statusCondition + " AND NOT contains(recordedEvents, :eventNameText)")
                .expressionAttributeNames(Map.of("#status", "status", "#timeline", "timeline"))
                .expressionAttributeValues(values).build();
        try {
            dynamo.updateItem(request);
            return true;
        } catch (ConditionalCheckFailedException endedOrRecorded) {
            return false;
        }
    }

    private static Map<String, AttributeValue> withStatuses(Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":pending", s(TaskStatus.PENDING.wire()));
        all.put(":processing", s(TaskStatus.PROCESSING.wire()));
        return all;
    }

    private String now() {
        return TaskItems.iso(clock.instant());
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** Model parameters are kept as one JSON string: nested lists and maps, read back as written. */
    static final class ModelParamsJson {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        private ModelParamsJson() {
        }

        static String write(Map<String, Object> params) {
            try {
                return JSON.writeValueAsString(params);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("Model parameters not serialisable", e);
            }
        }

        static Map<String, Object> read(String json) {
            try {
                return json == null ? Map.of() : JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {
                });
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("Stored model parameters unreadable", e);
            }
        }
    }

    /** The mapping between the domain's Task and the table's item. */
    static final class TaskItems {
        private TaskItems() {
        }

        static Map<String, AttributeValue> toItem(Task task) {
            GenerationRequest request = task.request();
            Map<String, AttributeValue> item = new HashMap<>(taskKey(task.id()));
            item.put("taskId", s(task.id()));
            item.put("ownerKeyId", s(task.ownerKeyId()));
            item.put("createdAt", s(iso(task.createdAt())));
            item.put("updatedAt", s(iso(task.createdAt())));
            item.put("status", s(task.status().wire()));
            item.put("progress", n(task.progress()));
            item.put("model", s(request.model()));
            putIfPresent(item, "prompt", request.prompt());
            putIfPresent(item, "negativePrompt", request.negativePrompt());
            putIfPresent(item, "imageStart", request.imageStart());
            putIfPresent(item, "imageEnd", request.imageEnd());
            putIfPresent(item, "imageStartKey", task.imageStartKey());
            putIfPresent(item, "imageEndKey", task.imageEndKey());
            item.put("durationSeconds", n(request.durationSeconds()));
            item.put("quality", s(request.quality().wire()));
            item.put("sound", s(request.sound().wire()));
            putIfPresent(item, "aspectRatio", request.aspectRatio());
            putIfPresent(item, "requestedProvider", request.provider());
            putIfPresent(item, "callbackUrl", request.callbackUrl());
            putIfPresent(item, "externalTaskId", request.externalTaskId());
            if (!request.modelParams().isEmpty()) {
                item.put("modelParams", s(ModelParamsJson.write(request.modelParams())));
            }
            if (task.failure() != null) {
                // A task recorded already failed: an upload refused before acceptance.
                item.put("failureCode", s(task.failure().code()));
                item.put("failureMessage", s(task.failure().message()));
            }
            item.put("quotedSeconds", n(task.quote().billedSeconds()));
            item.put("quotedCostUsd", AttributeValue.fromN(task.quote().costUsd().toPlainString()));
            item.put("quotedCredits", AttributeValue.fromN(task.quote().credits().toPlainString()));
            item.put("timeline", AttributeValue.fromL(task.timeline().stream().map(TaskItems::event).toList()));
            item.put("recordedEvents", AttributeValue.fromSs(task.timeline().stream().map(TimelineEvent::key).distinct().toList()));
            return item;
        }

        static Task fromItem(Map<String, AttributeValue> item) {
            GenerationRequest request = new GenerationRequest(str(item, "model"), str(item, "prompt"),
                    str(item, "negativePrompt"), str(item, "imageStart"), str(item, "imageEnd"),
                    integer(item, "durationSeconds"), Quality.fromWire(str(item, "quality")).orElseThrow(),
                    Sound.fromWire(str(item, "sound")).orElseThrow(), str(item, "aspectRatio"), str(item, "requestedProvider"),
                    str(item, "callbackUrl"), ModelParamsJson.read(str(item, "modelParams")),
                    str(item, "externalTaskId"));
            Quote quote = new Quote(integer(item, "quotedSeconds"), decimal(item, "quotedCostUsd"), decimal(item, "quotedCredits"));
            Quote charged = item.containsKey("chargedCostUsd")
                    ? new Quote(integer(item, "chargedSeconds"), decimal(item, "chargedCostUsd"), decimal(item, "chargedCredits"))
                    : Quote.FREE;
            TaskResult result = item.containsKey("resultKey")
                    ? new TaskResult(str(item, "resultKey"), str(item, "resultSha256"),
                    Long.parseLong(item.get("resultBytes").n()), Double.parseDouble(item.get("resultDurationSeconds").n()))
                    : null;
            Failure failure = item.containsKey("failureCode")
                    ? new Failure(str(item, "failureCode"), str(item, "failureMessage")) : null;
            List<TimelineEvent> timeline = item.get("timeline").l().stream().map(v -> {
                Map<String, AttributeValue> e = v.m();
                return new TimelineEvent(str(e, "event"), Instant.parse(str(e, "at")), str(e, "detail"));
            }).toList();
            return new Task(str(item, "taskId"), str(item, "ownerKeyId"), Instant.parse(str(item, "createdAt")), request,
                    str(item, "imageStartKey"), str(item, "imageEndKey"), TaskStatus.fromWire(str(item, "status")),
                    integer(item, "progress"), quote, charged,
                    item.containsKey("estimatedSeconds") ? integer(item, "estimatedSeconds") : 0,
                    str(item, "provider"), str(item, "providerTaskId"), result, failure, timeline);
        }

        static AttributeValue eventList(TimelineEvent event) {
            return AttributeValue.fromL(List.of(event(event)));
        }

        private static AttributeValue event(TimelineEvent event) {
            Map<String, AttributeValue> map = new HashMap<>();
            map.put("event", s(event.event()));
            map.put("at", s(iso(event.at())));
            putIfPresent(map, "detail", event.detail());
            return AttributeValue.fromM(map);
        }

        static String iso(Instant instant) {
            return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        }

        private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
            if (value != null) {
                item.put(name, s(value));
            }
        }

        private static String str(Map<String, AttributeValue> item, String name) {
            AttributeValue value = item.get(name);
            return value == null ? null : value.s();
        }

        private static int integer(Map<String, AttributeValue> item, String name) {
            return Integer.parseInt(item.get(name).n());
        }

        private static BigDecimal decimal(Map<String, AttributeValue> item, String name) {
            return new BigDecimal(item.get(name).n());
        }
    }
}
