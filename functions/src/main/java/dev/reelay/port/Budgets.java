package dev.reelay.port;

import dev.reelay.domain.budget.Reservation;

import java.util.OptionalLong;

/**
 * Monthly budgets per API key, as amounts committed in the owner's usage item of each month:
 * settled charges plus what running tasks hold. The {@link TaskStore} settles or releases a task's
 * reservation when the task ends, in the same write.
 */
public interface Budgets {

    /**
     * Holds {@code amountMicros} of the owner's budget for the month, in one conditional write, so
     * that concurrent reservations can never commit more than the budget between them. Without a
     * budget the amount is still counted, unconditionally, so the numbers are right if one is set
     * later.
     *
     * @param budgetMicros the key's monthly budget, or empty for none
     * @param month        {@code yyyy-MM}, see {@link dev.reelay.domain.budget.MonthlyBudget#monthOf}
     * @throws dev.reelay.domain.error.QuotaExceededException when the amount does not fit
     */
    Reservation reserve(String ownerKeyId, OptionalLong budgetMicros, long amountMicros, String month);

    /**
     * Gives back a reservation that no recorded task holds: the submission stopped between the
     * reservation and recording the task. (A recorded task's reservation ends with the task.)
     */
    void release(String ownerKeyId, Reservation reservation);

    /** What the owner has committed for the month, in micro-dollars: settled charges plus held amounts. */
    long committed(String ownerKeyId, String month);
}
