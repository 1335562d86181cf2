package dev.reelay.application;

import dev.reelay.domain.usage.MonthlyUsage;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The usage object of {@code GET /v1/usage} and {@code ./reelay keys usage} (docs/api.md): maps,
 * ready for any JSON writer. Amounts are dollars as JSON numbers, as the task object's
 * {@code usage.cost_usd}: exact, without trailing zeros (0.75, 12.5, 0).
 */
public final class UsageRepresentation {
    public static final String OBJECT = "usage";

    private UsageRepresentation() {
    }

    public static Map<String, Object> of(MonthlyUsage usage) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("object", OBJECT);
        json.put("month", MonthlyUsage.wire(usage.month()));
        Map<String, Object> tasks = new LinkedHashMap<>();
        tasks.put("total", usage.total().tasks());
        Map<String, Object> byStatus = new LinkedHashMap<>();
        usage.tasksByStatus().forEach((status, count) -> byStatus.put(status.wire(), count));
        tasks.put("by_status", byStatus);
        json.put("tasks", tasks);
        json.put("billed_seconds", usage.total().billedSeconds());
        json.put("cost_usd", usd(usage.total().costUsd()));
        Map<String, Object> byProvider = new LinkedHashMap<>();
        usage.byProvider().forEach((provider, tally) -> byProvider.put(provider, tally(tally)));
        json.put("by_provider", byProvider);
        Map<String, Object> byQuality = new LinkedHashMap<>();
        usage.byQuality().forEach((quality, tally) -> byQuality.put(quality.wire(), tally(tally)));
        json.put("by_quality", byQuality);
        MonthlyUsage.Budget budget = usage.budget();
        Map<String, Object> money = new LinkedHashMap<>();
        money.put("monthly_usd", budget.monthlyUsd().map(UsageRepresentation::usd).orElse(null));
        money.put("spent_usd", usd(budget.spentUsd()));
        money.put("reserved_usd", usd(budget.reservedUsd()));
        money.put("committed_usd", usd(budget.committedUsd()));
        money.put("remaining_usd", budget.remainingUsd().map(UsageRepresentation::usd).orElse(null));
        json.put("budget", money);
        return json;
    }

    private static Map<String, Object> tally(MonthlyUsage.Tally tally) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tasks", tally.tasks());
        json.put("billed_seconds", tally.billedSeconds());
        json.put("cost_usd", usd(tally.costUsd()));
        return json;
    }

    /** Exact, without trailing zeros, never in exponent form: 0.750 → 0.75, 25.00 → 25, 1E+2 → 100. */
    static BigDecimal usd(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
