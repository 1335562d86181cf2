package dev.reelay.domain.usage;

import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.task.TaskStatus;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One task as its owner's usage of a month counts it. An ended task counts what it was charged, as
 * its own {@code usage} shows it once it has ended: its quote when completed, nothing when failed,
 * what its vendor bills when cancelled. A running task has been charged nothing yet; it holds
 * {@code held} of its owner's budget instead, until its end settles that.
 *
 * @param provider       the vendor that has or had its job; null when no vendor took it
 * @param billedSeconds  the seconds it was charged for (0 while it runs)
 * @param costUsd        what it was charged, exactly as recorded (0 while it runs)
 * @param held           the budget reservation a running task holds ({@link Reservation#NONE} once it ended)
 */
public record TaskUsage(TaskStatus status, String provider, Quality quality, int billedSeconds, BigDecimal costUsd,
                        Reservation held) {

    public TaskUsage {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(quality, "quality");
        Objects.requireNonNull(costUsd, "costUsd");
        Objects.requireNonNull(held, "held");
        if (billedSeconds < 0 || costUsd.signum() < 0) {
            throw new IllegalArgumentException("A charge cannot be negative: " + billedSeconds + " s, $" + costUsd);
        }
        if (!status.isTerminal() && (billedSeconds != 0 || costUsd.signum() != 0)) {
            throw new IllegalArgumentException("A " + status.wire() + " task has not been charged yet");
        }
        if (status.isTerminal() && held.holdsSomething()) {
            throw new IllegalArgumentException("A " + status.wire() + " task holds no reservation: its end settled it");
        }
    }

    /** A running task: charged nothing yet, holding {@code held}. */
    public static TaskUsage running(TaskStatus status, String provider, Quality quality, Reservation held) {
        return new TaskUsage(status, provider, quality, 0, BigDecimal.ZERO, held);
    }

    /** An ended task (completed, failed or cancelled), charged {@code billedSeconds} and {@code costUsd}. */
    public static TaskUsage ended(TaskStatus status, String provider, Quality quality, int billedSeconds, BigDecimal costUsd) {
        return new TaskUsage(status, provider, quality, billedSeconds, costUsd, Reservation.NONE);
    }
}
