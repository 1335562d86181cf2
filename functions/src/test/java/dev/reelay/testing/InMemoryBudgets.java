package dev.reelay.testing;

import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.port.Budgets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/** Budgets in memory with the DynamoDB adapter's rules: one atomic check-and-add per reservation. */
public final class InMemoryBudgets implements Budgets {
    private final Map<String, Long> committed = new ConcurrentHashMap<>();
    /** Every reservation made, in order, for assertions. */
    public final List<Reservation> reserved = new ArrayList<>();

    @Override
    public synchronized Reservation reserve(String ownerKeyId, OptionalLong budgetMicros, long amountMicros, String month) {
        if (amountMicros <= 0) {
            return Reservation.NONE;
        }
        long now = committed(ownerKeyId, month);
        if (budgetMicros.isPresent() && (!MonthlyBudget.fitsAtAll(budgetMicros.getAsLong(), amountMicros)
                || now > MonthlyBudget.headroom(budgetMicros.getAsLong(), amountMicros))) {
            throw MonthlyBudget.refusal(budgetMicros.getAsLong(), now, amountMicros, month);
        }
        adjust(ownerKeyId, month, amountMicros);
        Reservation reservation = new Reservation(month, amountMicros);
        reserved.add(reservation);
        return reservation;
    }

    @Override
    public void release(String ownerKeyId, Reservation reservation) {
        if (reservation.holdsSomething()) {
            adjust(ownerKeyId, reservation.month(), -reservation.micros());
        }
    }

    @Override
    public long committed(String ownerKeyId, String month) {
        return committed.getOrDefault(ownerKeyId + "|" + month, 0L);
    }

    /** What the task store does when a task ends: committed moves by {@code deltaMicros}. */
    public void adjust(String ownerKeyId, String month, long deltaMicros) {
        committed.merge(ownerKeyId + "|" + month, deltaMicros, Long::sum);
    }
}
