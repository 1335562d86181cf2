package dev.reelay.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.usage.MonthlyUsage;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryBudgets;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/**
 * GET /v1/usage: a key's tasks of one UTC month summed from their own recorded charges, with its budget as the
 * budget counts it; the month refused unless it is YYYY-MM; this month (UTC, by the injected clock) by default.
 */
class GetUsageTest {
    private static final String OWNER = "team-a";
    private static final YearMonth DECEMBER = YearMonth.of(2026, 12);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryBudgets budgets = new InMemoryBudgets();
    private final InMemoryTaskStore store = new InMemoryTaskStore(budgets);
    private final InMemoryApiKeys apiKeys = new InMemoryApiKeys();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-15T12:00:00Z"), ZoneOffset.UTC);
    private final GetUsage getUsage = new GetUsage(store, apiKeys, budgets, clock);
    private int ids;

    /** A task accepted at {@code at}, holding a reservation of its quote as a submission makes it. */
    private Task accepted(String owner, Instant at, Quality quality) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, quality, Sound.OFF, null, null, null, null, null);
        Quote quote = Providers.unifiedDefaults().quote(quality, Sound.OFF, 5);
        Task task = Task.accepted("task-usage-" + (++ids), owner, at, request, "inputs/a.jpeg", null, quote);
        OptionalLong budget = apiKeys.findByName(owner).flatMap(k -> k.monthlyBudgetUsd())
                .map(usd -> OptionalLong.of(MonthlyBudget.micros(usd))).orElse(OptionalLong.empty());
        Reservation held = budgets.reserve(owner, budget, quote.costMicros(), MonthlyBudget.monthOf(at));
        store.create(task, held);
        return task;
    }

    private Task atVendor(Task task, String provider) {
        assertThat(store.recordProviderSubmission(task.id(), provider, "job-" + task.id(), 30, task.quote(),
                event(TimelineEvent.PROVIDER_SUBMITTED))).isTrue();
        return task;
    }

    private void completed(Task task, String provider) {
        atVendor(task, provider);
        assertThat(store.settle(task.id(), task.quote(), event(TimelineEvent.BILLED))).isTrue();
    }

    private void failed(Task task, String provider) {
        atVendor(task, provider);
        assertThat(store.markFailed(task.id(), new Failure("provider_content_policy", "blocked"), event(TimelineEvent.FAILED))).isTrue();
    }

    /** Cancelled at a vendor that cannot stop the job: charged its quote. */
    private void cancelledCharged(Task task, String provider) {
        atVendor(task, provider);
        assertThat(store.markCancelled(task.id(), "job-" + task.id(), task.quote(), event(TimelineEvent.CANCELLED))).isTrue();
    }

    /** Cancelled before any vendor took it: free. */
    private void cancelledFree(Task task) {
        assertThat(store.markCancelled(task.id(), null, Quote.FREE, event(TimelineEvent.CANCELLED))).isTrue();
    }

    private static TimelineEvent event(String name) {
        return TimelineEvent.of(name, Instant.parse("2026-12-20T00:00:00Z"));
    }

    private Task read(Task task) {
        return store.find(task.id()).orElseThrow();
    }

    /** What the task object's usage says once the task ended: its charge. */
    private static MonthlyUsage.Tally tallyOf(List<Task> tasks) {
        MonthlyUsage.Tally tally = MonthlyUsage.Tally.NONE;
        for (Task task : tasks) {
            Quote charged = task.status().isTerminal() ? task.charged() : Quote.FREE;
            tally = new MonthlyUsage.Tally(tally.tasks() + 1, tally.billedSeconds() + charged.billedSeconds(),
                    tally.costUsd().add(charged.costUsd()));
        }
        return tally;
    }

    @Test
    void theUsageIsTheSumOfTheKeysOwnTasksOfTheMonthAsTheirOwnChargesSayAndTheBudgetAsItCountsIt() {
        apiKeys.create(OWNER, new BigDecimal("10.00"));
        apiKeys.create("team-b", null);
        Instant first = Instant.parse("2026-12-01T00:00:00Z");
        Task completedUnified = accepted(OWNER, first, Quality.P720);
        Task completedKling = accepted(OWNER, first.plusSeconds(60), Quality.P1080);
        Task failedApiMart = accepted(OWNER, first.plusSeconds(120), Quality.P720);
        Task cancelledAtKling = accepted(OWNER, first.plusSeconds(180), Quality.P1080);
        Task cancelledInQueue = accepted(OWNER, first.plusSeconds(240), Quality.P720);
        Task processing = accepted(OWNER, Instant.parse("2026-12-31T23:59:59.999Z"), Quality.P1080);
        Task pending = accepted(OWNER, first.plusSeconds(300), Quality.P720);
        completed(completedUnified, "unified");
        completed(completedKling, "kling");
        failed(failedApiMart, "apimart");
        cancelledCharged(cancelledAtKling, "kling");
        cancelledFree(cancelledInQueue);
        atVendor(processing, "unified");
        // Not counted: another key's task of the month, and the key's own tasks of the months either side.
        completed(accepted("team-b", first.plusSeconds(30), Quality.P720), "unified");
        completed(accepted(OWNER, Instant.parse("2026-11-30T23:59:59.999Z"), Quality.P720), "unified");
        completed(accepted(OWNER, Instant.parse("2027-01-01T00:00:00Z"), Quality.P720), "gateway");

        MonthlyUsage usage = getUsage.usage(OWNER, Map.of("month", "2026-12"));

        List<Task> mine = List.of(read(completedUnified), read(completedKling), read(failedApiMart), read(cancelledAtKling),
                read(cancelledInQueue), read(processing), read(pending));
        assertThat(usage.month()).isEqualTo(DECEMBER);
        assertThat(usage.tasksByStatus()).containsExactly(Map.entry(TaskStatus.PENDING, 1), Map.entry(TaskStatus.PROCESSING, 1),
                Map.entry(TaskStatus.COMPLETED, 2), Map.entry(TaskStatus.FAILED, 1), Map.entry(TaskStatus.CANCELLED, 2));
        MonthlyUsage.Tally total = tallyOf(mine);
        assertThat(usage.total().tasks()).isEqualTo(7);
        assertThat(usage.total().billedSeconds()).isEqualTo(total.billedSeconds()).isEqualTo(15);
        assertThat(usage.total().costUsd()).isEqualByComparingTo(total.costUsd());
        assertThat(total.costUsd()).as("the charged: two completed and the cancelled one Kling billed")
                .isEqualByComparingTo(read(completedUnified).charged().costUsd()
                        .add(read(completedKling).charged().costUsd()).add(read(cancelledAtKling).charged().costUsd()));

        Map<String, List<Task>> byProvider = new TreeMap<>();
        Map<Quality, List<Task>> byQuality = new HashMap<>();
        for (Task task : mine) {
            byProvider.computeIfAbsent(task.provider() == null ? "none" : task.provider(), p -> new ArrayList<>()).add(task);
            byQuality.computeIfAbsent(task.request().quality(), q -> new ArrayList<>()).add(task);
        }
        assertThat(usage.byProvider()).containsOnlyKeys("apimart", "kling", "none", "unified");
        byProvider.forEach((provider, tasks) -> assertTally(usage.byProvider().get(provider), tallyOf(tasks), provider));
        assertThat(usage.byQuality()).containsOnlyKeys(Quality.P720, Quality.P1080);
        byQuality.forEach((quality, tasks) -> assertTally(usage.byQuality().get(quality), tallyOf(tasks), quality.wire()));
        assertThat(usage.byProvider().get("none").tasks()).as("the free cancellation and the pending task").isEqualTo(2);

        MonthlyUsage.Budget budget = usage.budget();
        BigDecimal held = BigDecimal.valueOf(store.reservation(processing.id()).micros() + store.reservation(pending.id()).micros(), 6);
        BigDecimal committed = BigDecimal.valueOf(budgets.committed(OWNER, "2026-12"), 6);
        assertThat(budget.monthlyUsd()).hasValueSatisfying(usd -> assertThat(usd).isEqualByComparingTo("10"));
        assertThat(budget.spentUsd()).isEqualByComparingTo(total.costUsd());
        assertThat(budget.reservedUsd()).isPositive().isEqualByComparingTo(held);
        assertThat(budget.committedUsd()).isEqualByComparingTo(committed);
        assertThat(budget.spentUsd().add(budget.reservedUsd())).as("the budget counts charges and holds").isEqualByComparingTo(committed);
        assertThat(budget.remainingUsd()).hasValueSatisfying(left ->
                assertThat(left).isEqualByComparingTo(new BigDecimal("10").subtract(committed)));
    }

    private static void assertTally(MonthlyUsage.Tally actual, MonthlyUsage.Tally expected, String what) {
        assertThat(actual).as(what).isNotNull();
        assertThat(actual.tasks()).as(what).isEqualTo(expected.tasks());
        assertThat(actual.billedSeconds()).as(what).isEqualTo(expected.billedSeconds());
        assertThat(actual.costUsd()).as(what).isEqualByComparingTo(expected.costUsd());
    }

    @ParameterizedTest(name = "month={0}")
    @ValueSource(strings = {"2026-13", "2026-00", "2026-1", "2026-012", "26-12", "2026/12", "2026-12-01", "12-2026", "", " 2026-12",
            "2026-12 ", "abcd-ef", "+2026-12", "-2026-12", "２０２６-12", "2026-1a", "20261-12", "this-month"})
    void aMonthThatIsNotACalendarMonthWrittenYyyyMmIsRefused(String month) {
        assertThatThrownBy(() -> getUsage.usage(OWNER, Map.of("month", month)))
                .asInstanceOf(type(InvalidRequestException.class))
                .satisfies(refused -> {
                    assertThat(refused.code()).isEqualTo("invalid_month");
                    assertThat(refused.field()).isEqualTo("month");
                    assertThat(refused.getMessage()).contains("YYYY-MM");
                });
    }

    @ParameterizedTest(name = "month={0}")
    @CsvSource({"2026-12, 2026, 12", "2026-01, 2026, 1", "1999-09, 1999, 9", "2030-10, 2030, 10"})
    void aCalendarMonthIsRead(String text, int year, int month) {
        assertThat(getUsage.usage(OWNER, Map.of("month", text)).month()).isEqualTo(YearMonth.of(year, month));
    }

    /** At these instants the clock's own zone is in another month than UTC: the default is UTC's. */
    @ParameterizedTest(name = "{0} in {1}: {2}")
    @CsvSource({"2026-12-31T23:30:00Z, Pacific/Kiritimati, 2026-12", "2027-01-01T00:00:00Z, America/Los_Angeles, 2027-01",
            "2026-03-01T00:00:00.001Z, Pacific/Pago_Pago, 2026-03"})
    void withoutAMonthTheAnswerIsOfTheCurrentUtcMonthOfTheClock(String now, String zone, String expected) {
        GetUsage inZone = new GetUsage(store, apiKeys, budgets, Clock.fixed(Instant.parse(now), ZoneId.of(zone)));
        assertThat(YearMonth.now(Clock.fixed(Instant.parse(now), ZoneId.of(zone)))).as("the zone's own month differs")
                .isNotEqualTo(YearMonth.parse(expected));

        assertThat(inZone.usage(OWNER, Map.of()).month()).isEqualTo(YearMonth.parse(expected));
        assertThat(inZone.usage(OWNER, (Map<String, String>) null).month()).isEqualTo(YearMonth.parse(expected));
        assertThat(inZone.month(null)).isEqualTo(YearMonth.parse(expected));
    }

    @Test
    void theDefaultMonthCountsTheTasksOfThisMonthOnly() {
        apiKeys.create(OWNER, null);
        completed(accepted(OWNER, Instant.parse("2026-12-02T08:00:00Z"), Quality.P720), "unified");
        completed(accepted(OWNER, Instant.parse("2026-11-02T08:00:00Z"), Quality.P720), "unified");

        MonthlyUsage usage = getUsage.usage(OWNER, Map.of());

        assertThat(usage.month()).isEqualTo(DECEMBER);
        assertThat(usage.total().tasks()).isEqualTo(1);
        assertThat(getUsage.usage(OWNER, Map.of("month", "2026-11")).total().tasks()).isEqualTo(1);
        assertThat(getUsage.usage(OWNER, Map.of("month", "2026-10")).total().tasks()).isZero();
    }

    @Test
    void anUnknownQueryParameterIsRefused() {
        assertThatThrownBy(() -> getUsage.usage(OWNER, Map.of("month", "2026-12", "from", "2026-01")))
                .asInstanceOf(type(InvalidRequestException.class))
                .satisfies(refused -> {
                    assertThat(refused.code()).isEqualTo("unknown_parameter");
                    assertThat(refused.field()).isEqualTo("from");
                });
    }

    @Test
    void aKeyWithoutABudgetHasNoneAndNothingRemainingButItsSpendingIsStillCounted() {
        apiKeys.create(OWNER, null);
        Task task = accepted(OWNER, Instant.parse("2026-12-03T00:00:00Z"), Quality.P720);
        completed(task, "gateway");

        MonthlyUsage.Budget budget = getUsage.usage(OWNER, DECEMBER).budget();

        assertThat(budget.monthlyUsd()).isEmpty();
        assertThat(budget.remainingUsd()).isEmpty();
        assertThat(budget.spentUsd()).isPositive().isEqualByComparingTo(read(task).charged().costUsd());
        assertThat(budget.committedUsd()).isEqualByComparingTo(budget.spentUsd());
        assertThat(budget.reservedUsd()).isZero();
    }

    @Test
    void whatRemainsIsNeverBelowZero() {
        apiKeys.create(OWNER, new BigDecimal("0.50"));
        budgets.adjust(OWNER, "2026-12", 700_000); // more committed than the budget: never by a reservation, but say so

        MonthlyUsage.Budget budget = getUsage.usage(OWNER, DECEMBER).budget();

        assertThat(budget.committedUsd()).isEqualByComparingTo("0.7");
        assertThat(budget.remainingUsd()).hasValueSatisfying(left -> assertThat(left).isZero());
    }

    @Test
    void sumsAreExactDecimalsNeverFloatingPoint() throws Exception {
        apiKeys.create(OWNER, new BigDecimal("1"));
        Quote dime = new Quote(1, new BigDecimal("0.1"), BigDecimal.ONE);
        for (int i = 0; i < 3; i++) {
            Task task = accepted(OWNER, Instant.parse("2026-12-04T00:00:00Z").plusSeconds(i), Quality.P720);
            atVendor(task, "unified");
            assertThat(store.settle(task.id(), dime, event(TimelineEvent.BILLED))).isTrue();
        }

        MonthlyUsage usage = getUsage.usage(OWNER, DECEMBER);
        String json = JSON.writeValueAsString(UsageRepresentation.of(usage));

        assertThat(usage.total().costUsd()).isEqualTo(new BigDecimal("0.3"));
        assertThat(0.1 + 0.1 + 0.1).as("what a double would say").isNotEqualTo(0.3);
        assertThat(json).contains("\"billed_seconds\":3,\"cost_usd\":0.3,").contains("\"remaining_usd\":0.7}");
    }

    @Test
    void theAnswerHasTheDocumentedShape() throws Exception {
        apiKeys.create(OWNER, new BigDecimal("25.00"));
        Task task = accepted(OWNER, Instant.parse("2026-12-05T00:00:00Z"), Quality.P1080);
        completed(task, "kling");
        Task running = accepted(OWNER, Instant.parse("2026-12-06T00:00:00Z"), Quality.P720);

        JsonNode answer = JSON.readTree(JSON.writeValueAsString(UsageRepresentation.of(getUsage.usage(OWNER, DECEMBER))));

        assertThat(answer.fieldNames()).toIterable().containsExactly("object", "month", "tasks", "billed_seconds", "cost_usd",
                "by_provider", "by_quality", "budget");
        assertThat(answer.path("object").asText()).isEqualTo("usage");
        assertThat(answer.path("month").asText()).isEqualTo("2026-12");
        assertThat(answer.path("tasks").path("total").asInt()).isEqualTo(2);
        assertThat(answer.path("tasks").path("by_status").fieldNames()).toIterable()
                .containsExactly("pending", "processing", "completed", "failed", "cancelled");
        assertThat(answer.path("tasks").path("by_status").path("completed").asInt()).isEqualTo(1);
        assertThat(answer.path("tasks").path("by_status").path("pending").asInt()).isEqualTo(1);
        assertThat(answer.path("tasks").path("by_status").path("failed").asInt()).isZero();
        BigDecimal charged = read(task).charged().costUsd();
        assertThat(answer.path("cost_usd").decimalValue()).isEqualByComparingTo(charged);
        assertThat(answer.path("by_provider").fieldNames()).toIterable().containsExactly("kling", "none");
        assertThat(answer.path("by_provider").path("kling").fieldNames()).toIterable().containsExactly("tasks", "billed_seconds", "cost_usd");
        assertThat(answer.path("by_provider").path("kling").path("cost_usd").decimalValue()).isEqualByComparingTo(charged);
        assertThat(answer.path("by_provider").path("none").path("cost_usd").decimalValue()).isZero();
        assertThat(answer.path("by_quality").fieldNames()).toIterable().containsExactly("720p", "1080p");
        assertThat(answer.path("by_quality").path("1080p").path("billed_seconds").asInt()).isEqualTo(read(task).charged().billedSeconds());
        JsonNode budget = answer.path("budget");
        assertThat(budget.fieldNames()).toIterable().containsExactly("monthly_usd", "spent_usd", "reserved_usd", "committed_usd", "remaining_usd");
        assertThat(budget.path("monthly_usd").decimalValue()).isEqualTo(new BigDecimal("25"));
        assertThat(budget.path("spent_usd").decimalValue()).isEqualByComparingTo(charged);
        BigDecimal held = BigDecimal.valueOf(store.reservation(running.id()).micros(), 6);
        assertThat(budget.path("reserved_usd").decimalValue()).isEqualByComparingTo(held);
        assertThat(budget.path("committed_usd").decimalValue()).isEqualByComparingTo(charged.add(held));
        assertThat(budget.path("remaining_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("25").subtract(charged).subtract(held));

        apiKeys.create("no-budget", null);
        JsonNode none = JSON.readTree(JSON.writeValueAsString(UsageRepresentation.of(getUsage.usage("no-budget", DECEMBER))));
        assertThat(none.path("budget").path("monthly_usd").isNull()).isTrue();
        assertThat(none.path("budget").path("remaining_usd").isNull()).isTrue();
        assertThat(none.path("cost_usd").asText()).isEqualTo("0");
        assertThat(none.path("by_provider").isEmpty()).isTrue();
        assertThat(none.path("tasks").path("total").asInt()).isZero();
    }

    @Test
    void amountsAreWrittenWithoutTrailingZerosOrExponents() {
        assertThat(UsageRepresentation.usd(new BigDecimal("0.750")).toString()).isEqualTo("0.75");
        assertThat(UsageRepresentation.usd(new BigDecimal("25.00")).toString()).isEqualTo("25");
        assertThat(UsageRepresentation.usd(new BigDecimal("100.000000")).toString()).isEqualTo("100");
        assertThat(UsageRepresentation.usd(BigDecimal.valueOf(0, 6)).toString()).isEqualTo("0");
        assertThat(UsageRepresentation.usd(BigDecimal.valueOf(1, 6)).toString()).isEqualTo("0.000001");
        assertThat(UsageRepresentation.usd(new BigDecimal("1E+2")).toString()).isEqualTo("100");
    }
}
