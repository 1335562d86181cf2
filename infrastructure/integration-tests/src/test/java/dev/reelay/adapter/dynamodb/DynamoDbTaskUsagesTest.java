package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.usage.TaskUsage;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A key's tasks of a month from the owner index, against a real DynamoDB Local: every page, that month only, that key only. */
class DynamoDbTaskUsagesTest {
    private static final String TABLE = "TasksTable";
    private static final YearMonth DECEMBER = YearMonth.of(2026, 12);
    private static final List<QueryRequest> queries = new CopyOnWriteArrayList<>();
    private static final List<Set<String>> attributesRead = new CopyOnWriteArrayList<>();
    private static LocalDynamoDb dynamo;
    private static DynamoDbTaskStore store;
    private static int counter;

    @BeforeAll
    static void start() throws Exception {
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof QueryRequest query && context.response() instanceof QueryResponse answer) {
                    queries.add(query);
                    answer.items().forEach(item -> attributesRead.add(item.keySet()));
                }
            }
        };
        dynamo = LocalDynamoDb.start(null, List.of(recorder));
        dynamo.createTasksTable(TABLE);
        store = new DynamoDbTaskStore(dynamo.client(), TABLE, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    private static Task task(String owner, Instant createdAt, Quality quality, Reservation held) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.TEXT_TO_VIDEO, "waves", null, null, null, 5,
                quality, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(quality, Sound.OFF, 5);
        Task task = Task.accepted("task-usage-" + (++counter), owner, createdAt, request, null, null, quote);
        store.create(task, held);
        return task;
    }

    private static Reservation hold(Instant at, long micros) {
        return new Reservation(MonthlyBudget.monthOf(at), micros);
    }

    private static TimelineEvent event(String name) {
        return TimelineEvent.of(name, Instant.now());
    }

    private static void atVendor(Task task, String provider) {
        assertThat(store.recordProviderSubmission(task.id(), provider, "job-" + task.id(), 30, task.quote(), event("provider_submitted"))).isTrue();
    }

    @Test
    void everyTaskOfTheKeyCreatedInTheMonthIsReadOnceWithItsChargeOrItsHoldAcrossPages() {
        String owner = "usage-owner";
        Instant first = Instant.parse("2026-12-01T00:00:00Z");
        Instant last = Instant.parse("2026-12-31T23:59:59.999Z");
        List<Task> december = new ArrayList<>();
        Task completed = task(owner, first, Quality.P720, hold(first, 500_000));
        atVendor(completed, "unified");
        assertThat(store.settle(completed.id(), completed.quote(), event("billed"))).isTrue();
        december.add(completed);
        Task failed = task(owner, first.plusSeconds(1), Quality.P1080, hold(first, 600_000));
        atVendor(failed, "apimart");
        assertThat(store.markFailed(failed.id(), new Failure("provider_content_policy", "blocked"), event("failed"))).isTrue();
        december.add(failed);
        Task cancelledCharged = task(owner, first.plusSeconds(2), Quality.P720, hold(first, 500_000));
        atVendor(cancelledCharged, "kling");
        assertThat(store.markCancelled(cancelledCharged.id(), "job-" + cancelledCharged.id(), cancelledCharged.quote(), event("cancelled"))).isTrue();
        december.add(cancelledCharged);
        Task cancelledFree = task(owner, first.plusSeconds(3), Quality.P720, hold(first, 500_000));
        assertThat(store.markCancelled(cancelledFree.id(), null, Quote.FREE, event("cancelled"))).isTrue();
        december.add(cancelledFree);
        Task processing = task(owner, last, Quality.P1080, hold(last, 700_000));
        atVendor(processing, "gateway");
        december.add(processing);
        for (int i = 0; i < 6; i++) {
            december.add(task(owner, first.plusSeconds(100 + i), Quality.P720, hold(first, 400_000)));
        }
        // Not the month's, or not the key's: the instants either side, another key, and another key whose name starts alike.
        task(owner, Instant.parse("2026-11-30T23:59:59.999Z"), Quality.P720, Reservation.NONE);
        task(owner, Instant.parse("2027-01-01T00:00:00Z"), Quality.P720, Reservation.NONE);
        task("usage-other", first.plusSeconds(5), Quality.P720, Reservation.NONE);
        task("usage-owner-2", first.plusSeconds(6), Quality.P720, Reservation.NONE);
        // An item of the key that is not a task: it carries the owner but not the index's sort key.
        new DynamoDbWebhookSecrets(dynamo.client(), TABLE, new SecureRandom()).ensure(owner);
        queries.clear();
        attributesRead.clear();

        List<TaskUsage> read = new DynamoDbTaskUsages(dynamo.client(), TABLE, 2).createdIn(owner, DECEMBER);

        assertThat(queries).as("page after page to the end").hasSizeGreaterThanOrEqualTo(december.size() / 2);
        assertThat(queries).allSatisfy(query -> {
            assertThat(query.indexName()).isEqualTo(TasksTableSchema.OWNER_INDEX.name());
            assertThat(query.projectionExpression()).isNotBlank();
        });
        Set<String> projected = new TreeSet<>();
        attributesRead.forEach(projected::addAll);
        assertThat(projected).as("only what usage counts is read").isSubsetOf("status", "provider", "quality", "chargedSeconds",
                "chargedCostUsd", "reservedMicros", "reservedMonth").doesNotContain("timeline", "prompt");
        assertThat(read).hasSize(december.size());
        List<TaskUsage> expected = december.stream().map(t -> asUsageCountsIt(store.find(t.id()).orElseThrow(), t)).toList();
        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
        TaskUsage running = read.stream().filter(u -> u.status() == TaskStatus.PROCESSING).findFirst().orElseThrow();
        assertThat(running.held()).isEqualTo(hold(last, 700_000));
        assertThat(running.costUsd()).isZero();
        assertThat(read.stream().filter(u -> u.status() == TaskStatus.CANCELLED && u.provider() == null).findFirst().orElseThrow()
                .costUsd()).isZero();

        assertThat(new DynamoDbTaskUsages(dynamo.client(), TABLE).createdIn(owner, DECEMBER)).as("with DynamoDB's own pages")
                .containsExactlyInAnyOrderElementsOf(read);
        assertThat(new DynamoDbTaskUsages(dynamo.client(), TABLE).createdIn(owner, YearMonth.of(2026, 11))).hasSize(1);
        assertThat(new DynamoDbTaskUsages(dynamo.client(), TABLE).createdIn(owner, YearMonth.of(2027, 1))).hasSize(1);
        assertThat(new DynamoDbTaskUsages(dynamo.client(), TABLE).createdIn("usage-nobody", DECEMBER)).isEmpty();
    }

    /** What the task object shows: a running task's hold (it was recorded with), an ended task's charge. */
    private static TaskUsage asUsageCountsIt(Task stored, Task recorded) {
        if (!stored.status().isTerminal()) {
            Map<String, AttributeValue> item = dynamo.client()
                    .getItem(g -> g.tableName(TABLE).key(TasksTableSchema.taskKey(stored.id()))).item();
            return TaskUsage.running(stored.status(), stored.provider(), stored.request().quality(), TaskItems.reservation(item));
        }
        BigDecimal cost = stored.charged().costUsd();
        return TaskUsage.ended(stored.status(), stored.provider(), recorded.request().quality(), stored.charged().billedSeconds(), cost);
    }
}
