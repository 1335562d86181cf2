package dev.reelay.adapter.dynamodb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.PendingSubmission;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskCursor;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.reelay.adapter.dynamodb.Attributes.n;
import static dev.reelay.adapter.dynamodb.Attributes.s;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.CREATED_AT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.CREATED_AT_TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_KEY_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.STATUS;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.TASK_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.billingKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.taskKey;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.timestamp;

/**
 * The mapping between the domain's {@link Task} and its items in the tasks table: the task item
 * ({@link TasksTableSchema.ItemKind#TASK}), which DynamoDbTaskStore then updates attribute by attribute,
 * and the billing record ({@link TasksTableSchema.ItemKind#BILLING}). Model parameters are kept as
 * one JSON string.
 */
final class TaskItems {
    /** On a task made for a batch: the batch's id. */
    static final String BATCH_ID = "batchId";
    private TaskItems() {
    }

    static Map<String, AttributeValue> toItem(Task task) {
        GenerationRequest request = task.request();
        Map<String, AttributeValue> item = new HashMap<>(taskKey(task.id()));
        item.put(TASK_ID, s(task.id()));
        item.put(OWNER_KEY_ID, s(task.ownerKeyId()));
        item.put(CREATED_AT_TASK_ID, s(TaskCursor.of(task).sortKey()));
        item.put(CREATED_AT, s(timestamp(task.createdAt())));
        item.put("updatedAt", s(timestamp(task.createdAt())));
        item.put(STATUS, s(task.status().wire()));
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
        putIfPresent(item, BATCH_ID, task.batchId());
        if (task.pendingSubmission() != null) {
            item.put("submittingTo", s(task.pendingSubmission().provider()));
            item.put("submittingSince", s(timestamp(task.pendingSubmission().since())));
        }
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
        return new Task(str(item, TASK_ID), str(item, OWNER_KEY_ID), Instant.parse(str(item, CREATED_AT)), request,
                str(item, "imageStartKey"), str(item, "imageEndKey"), TaskStatus.fromWire(str(item, STATUS)),
                integer(item, "progress"), quote, charged,
                item.containsKey("estimatedSeconds") ? integer(item, "estimatedSeconds") : 0,
                str(item, "provider"), str(item, "providerTaskId"), result, failure, timeline,
                item.containsKey("submittingTo")
                        ? new PendingSubmission(str(item, "submittingTo"), Instant.parse(str(item, "submittingSince"))) : null,
                str(item, BATCH_ID));
    }

    /** The budget reservation the task holds; {@link Reservation#NONE} for a task recorded before budgets. */
    static Reservation reservation(Map<String, AttributeValue> item) {
        AttributeValue micros = item.get("reservedMicros");
        return micros == null ? Reservation.NONE : new Reservation(str(item, "reservedMonth"), Long.parseLong(micros.n()));
    }

    static AttributeValue eventList(TimelineEvent event) {
        return AttributeValue.fromL(List.of(event(event)));
    }

    private static AttributeValue event(TimelineEvent event) {
        Map<String, AttributeValue> map = new HashMap<>();
        map.put("event", s(event.event()));
        map.put("at", s(timestamp(event.at())));
        putIfPresent(map, "detail", event.detail());
        return AttributeValue.fromM(map);
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

    /** A task's billing record: what it was charged for {@code outcome}, settled at {@code at}. */
    static Map<String, AttributeValue> billingItem(Task task, Quote charge, Instant at, TaskStatus outcome) {
        Map<String, AttributeValue> billing = new HashMap<>(billingKey(task.id()));
        billing.put(TASK_ID, s(task.id()));
        billing.put(OWNER_KEY_ID, s(task.ownerKeyId()));
        billing.put("provider", s(task.provider() == null ? "unknown" : task.provider()));
        billing.put("quality", s(task.request().quality().wire()));
        billing.put("sound", s(task.request().sound().wire()));
        billing.put("durationSeconds", n(task.request().durationSeconds()));
        billing.put("billedSeconds", n(charge.billedSeconds()));
        billing.put("costUsd", AttributeValue.fromN(charge.costUsd().toPlainString()));
        billing.put("costMicros", n(charge.costMicros()));
        billing.put("credits", AttributeValue.fromN(charge.credits().toPlainString()));
        billing.put("settledAt", s(timestamp(at)));
        billing.put("outcome", s(outcome.wire()));
        return billing;
    }

    /** Model parameters are kept as one JSON string: nested lists and maps, read back as written. */
    private static final class ModelParamsJson {
        private static final ObjectMapper JSON = new ObjectMapper();

        private ModelParamsJson() {
        }

        static String write(Map<String, Object> params) {
            try {
                return JSON.writeValueAsString(params);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Model parameters not serialisable", e);
            }
        }

        static Map<String, Object> read(String json) {
            try {
                return json == null ? Map.of() : JSON.readValue(json, new TypeReference<Map<String, Object>>() {
                });
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Stored model parameters unreadable", e);
            }
        }
    }
}
