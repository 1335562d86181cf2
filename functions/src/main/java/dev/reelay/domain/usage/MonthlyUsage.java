package dev.reelay.domain.usage;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.task.TaskStatus;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An API key's usage of one calendar month (UTC): the tasks it created in that month, counted by
 * status, with what they were charged in all, by vendor and by quality; and the key's monthly budget
 * as the budget counts it. Every amount is exact: the sum of the tasks' own recorded charges, never
 * recomputed from prices.
 * <p>
 * The budget: {@code committedUsd} is the budget's own counter for the month (charges of the month's
 * ended tasks plus what its running tasks hold), the number a new submission is checked against;
 * {@code remainingUsd} is the monthly budget minus that counter (never below zero), the most a new
 * submission may still reserve. {@code spentUsd} (what the month's ended tasks were charged) and
 * {@code reservedUsd} (what its running tasks hold) are read from the tasks, so they add up to
 * {@code committedUsd} except for a moment while a task starts or ends between the two reads.
 *
 * @param tasksByStatus every status, in lifecycle order, with its count (0 included)
 * @param byProvider    by the vendor that has or had the job; {@link #NO_PROVIDER} for tasks no vendor took
 * @param byQuality     by requested quality; only qualities with tasks
 */
public record MonthlyUsage(YearMonth month, Map<TaskStatus, Integer> tasksByStatus, Tally total,
                           Map<String, Tally> byProvider, Map<Quality, Tally> byQuality, Budget budget) {
    /** The {@link #byProvider} key of tasks that no vendor took (queued, or ended before a vendor accepted them). */
    public static final String NO_PROVIDER = "none";
    private static final Pattern MONTH = Pattern.compile("(\\d{4})-(\\d{2})");
    private static final DateTimeFormatter WIRE = DateTimeFormatter.ofPattern("uuuu-MM");

    /** Tasks, the seconds they were billed and what they were charged. */
    public record Tally(int tasks, long billedSeconds, BigDecimal costUsd) {
        public static final Tally NONE = new Tally(0, 0, BigDecimal.ZERO);

        Tally plus(TaskUsage task) {
            return new Tally(tasks + 1, billedSeconds + task.billedSeconds(), costUsd.add(task.costUsd()));
        }
    }

    /**
     * @param monthlyUsd   the key's monthly budget; empty when it has none
     * @param spentUsd     what the month's ended tasks were charged
     * @param reservedUsd  what the month's running tasks hold of the budget
     * @param committedUsd the budget's own counter: charged plus held, as a submission is checked against it
     * @param remainingUsd {@code monthlyUsd − committedUsd}, at least zero; empty without a budget
     */
    public record Budget(Optional<BigDecimal> monthlyUsd, BigDecimal spentUsd, BigDecimal reservedUsd,
                         BigDecimal committedUsd, Optional<BigDecimal> remainingUsd) {
    }

    public MonthlyUsage {
        Map<TaskStatus, Integer> statuses = new EnumMap<>(TaskStatus.class);
        statuses.putAll(tasksByStatus);
        tasksByStatus = Collections.unmodifiableMap(statuses);
        byProvider = Collections.unmodifiableMap(new TreeMap<>(byProvider));
        Map<Quality, Tally> qualities = new EnumMap<>(Quality.class);
        qualities.putAll(byQuality);
        byQuality = Collections.unmodifiableMap(qualities);
    }

    /**
     * Sums the tasks of the month.
     *
     * @param tasks            the owner's tasks created in {@code month}
     * @param monthlyBudgetUsd the owner's monthly budget, or empty for none
     * @param committedMicros  the budget's counter of {@code month}, in micro-dollars
     */
    public static MonthlyUsage of(YearMonth month, List<TaskUsage> tasks, Optional<BigDecimal> monthlyBudgetUsd, long committedMicros) {
        Map<TaskStatus, Integer> byStatus = new EnumMap<>(TaskStatus.class);
        for (TaskStatus status : TaskStatus.values()) {
            byStatus.put(status, 0);
        }
        Tally total = Tally.NONE;
        Map<String, Tally> byProvider = new TreeMap<>();
        Map<Quality, Tally> byQuality = new EnumMap<>(Quality.class);
        String wire = wire(month);
        long reservedMicros = 0;
        for (TaskUsage task : tasks) {
            byStatus.merge(task.status(), 1, Integer::sum);
            total = total.plus(task);
            String provider = task.provider() == null ? NO_PROVIDER : task.provider();
            byProvider.put(provider, byProvider.getOrDefault(provider, Tally.NONE).plus(task));
            byQuality.put(task.quality(), byQuality.getOrDefault(task.quality(), Tally.NONE).plus(task));
            // A hold counts in the budget of the month it was made in: the month the task was created.
            if (task.held().holdsSomething() && task.held().month().equals(wire)) {
                reservedMicros += task.held().micros();
            }
        }
        BigDecimal committed = BigDecimal.valueOf(committedMicros, 6);
        Optional<BigDecimal> remaining = monthlyBudgetUsd.map(budget -> budget.subtract(committed).max(BigDecimal.ZERO));
        Budget budget = new Budget(monthlyBudgetUsd, total.costUsd(), BigDecimal.valueOf(reservedMicros, 6), committed, remaining);
        return new MonthlyUsage(month, byStatus, total, byProvider, byQuality, budget);
    }

    /** {@code yyyy-MM}, as the API writes a month. */
    public static String wire(YearMonth month) {
        return WIRE.format(month);
    }

    /**
     * Reads a month written {@code YYYY-MM}, a real calendar month (01 to 12); anything else is
     * refused with {@code invalid_month}.
     *
     * @param param the name of what carried it, for the refusal's {@code param}
     */
    public static YearMonth parseMonth(String text, String param) {
        Matcher matcher = MONTH.matcher(text == null ? "" : text);
        if (matcher.matches()) {
            int month = Integer.parseInt(matcher.group(2));
            if (month >= 1 && month <= 12) {
                return YearMonth.of(Integer.parseInt(matcher.group(1)), month);
            }
        }
        throw new InvalidRequestException(param, "invalid_month",
                "'" + param + "' must be a calendar month written YYYY-MM, such as 2026-12.");
    }
}
