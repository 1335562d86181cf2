package dev.reelay.domain.budget;

import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

/**
 * The arithmetic of monthly budgets, in whole micro-dollars. A reservation is one conditional
 * update, and DynamoDB conditions cannot add, so the headroom (the most that may already be
 * committed for the new amount still to fit) is computed here.
 */
public final class MonthlyBudget {
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);

    private MonthlyBudget() {
    }

    /** The month (UTC) that an amount reserved at {@code at} counts in: {@code yyyy-MM}. */
    public static String monthOf(Instant at) {
        return MONTH.format(at);
    }

    public static long micros(BigDecimal usd) {
        return usd.movePointRight(6).longValueExact();
    }

    /** Dollars for people: at least two decimals, no trailing zeros beyond them ($0.375, $1.00). */
    public static String usd(long micros) {
        BigDecimal dollars = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        return "$" + (dollars.scale() < 2 ? dollars.setScale(2) : dollars).toPlainString();
    }

    /**
     * The most a request can cost: the highest quote among the vendors that can serve it, because
     * failover may move it from the cheapest to any of them. Reserving this much means that
     * settlement can never take a key over its budget.
     */
    public static Quote mostItCanCost(List<ProviderTable.Candidate> candidates) {
        return candidates.stream().map(ProviderTable.Candidate::quote)
                .max(Comparator.comparing(Quote::costUsd))
                .orElseThrow(() -> new IllegalArgumentException("No candidate vendor"));
    }

    /** Whether an amount can fit in the budget at all, whatever is committed already. */
    public static boolean fitsAtAll(long budgetMicros, long amountMicros) {
        return amountMicros <= budgetMicros;
    }

    /**
     * The most that may already be committed this month for {@code amountMicros} more to fit in
     * {@code budgetMicros}. DynamoDB conditions cannot add, so the reservation's condition compares
     * the committed amount with this number.
     */
    public static long headroom(long budgetMicros, long amountMicros) {
        if (!fitsAtAll(budgetMicros, amountMicros)) {
            throw new IllegalArgumentException(amountMicros + " micro-dollars can never fit in a budget of " + budgetMicros);
        }
        return budgetMicros - amountMicros;
    }

    /** The 402 for a request of {@code amountMicros} when {@code committedMicros} of the budget are taken. */
    public static QuotaExceededException refusal(long budgetMicros, long committedMicros, long amountMicros, String month) {
        long left = Math.max(0, budgetMicros - committedMicros);
        return new QuotaExceededException("This request may cost up to " + usd(amountMicros) + ", but only " + usd(left)
                + " of this API key's monthly budget of " + usd(budgetMicros) + " is left for " + month
                + " (amounts held for running tasks count until they end).");
    }
}
