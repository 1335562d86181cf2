package dev.reelay.application;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.usage.MonthlyUsage;
import dev.reelay.domain.usage.TaskUsage;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.Budgets;
import dev.reelay.port.TaskUsages;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/usage?month=YYYY-MM} and {@code ./reelay keys usage}: a key's usage of one calendar
 * month (UTC; this month by default), summed from its tasks created in that month, with its monthly
 * budget as the budget counts it ({@link MonthlyUsage}).
 */
public final class GetUsage {
    /** The query parameter, and the refusal's {@code param}. */
    public static final String MONTH = "month";
    private static final Set<String> PARAMETERS = Set.of(MONTH);

    private final TaskUsages tasks;
    private final ApiKeys apiKeys;
    private final Budgets budgets;
    private final Clock clock;

    public GetUsage(TaskUsages tasks, ApiKeys apiKeys, Budgets budgets, Clock clock) {
        this.tasks = tasks;
        this.apiKeys = apiKeys;
        this.budgets = budgets;
        this.clock = clock;
    }

    /**
     * The caller's usage, from the query string.
     *
     * @param parameters the query string's parameters (only {@code month}); null for none
     */
    public MonthlyUsage usage(String ownerKeyId, Map<String, String> parameters) {
        Map<String, String> query = QueryParameters.checked(parameters, PARAMETERS, "GET /v1/usage takes month");
        return usage(ownerKeyId, month(query.get(MONTH)));
    }

    /**
     * The month a caller asked for: {@code YYYY-MM}, or this month (UTC) when not given.
     *
     * @throws InvalidRequestException {@code invalid_month} for anything but a calendar month written {@code YYYY-MM}
     */
    public YearMonth month(String text) {
        return text == null ? YearMonth.now(clock.withZone(ZoneOffset.UTC)) : MonthlyUsage.parseMonth(text, MONTH);
    }

    /**
     * The key's usage of {@code month}. The tasks are read first, then the budget's counter, each as
     * current as its store reads it.
     */
    public MonthlyUsage usage(String ownerKeyId, YearMonth month) {
        List<TaskUsage> created = tasks.createdIn(ownerKeyId, month);
        Optional<BigDecimal> budget = apiKeys.findByName(ownerKeyId).flatMap(ApiKey::monthlyBudgetUsd);
        long committed = budgets.committed(ownerKeyId, MonthlyUsage.wire(month));
        return MonthlyUsage.of(month, created, budget, committed);
    }
}
