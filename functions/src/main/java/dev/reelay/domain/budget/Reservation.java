package dev.reelay.domain.budget;

/**
 * An amount of an API key's monthly budget held for one task: the most the task can cost, counted
 * in {@code committedMicros} of the month it was made in. The task's end settles it: completion
 * to the real charge, failure and cancellation to zero.
 *
 * @param month  {@code yyyy-MM} (UTC) of the usage item it is counted in; null for {@link #NONE}
 * @param micros millionths of a dollar
 */
public record Reservation(String month, long micros) {
    /** Nothing reserved: a task recorded before budgets existed. */
    public static final Reservation NONE = new Reservation(null, 0);

    public Reservation {
        if (micros < 0) {
            throw new IllegalArgumentException("A reservation cannot be negative: " + micros);
        }
        if (micros > 0 && (month == null || !month.matches("\\d{4}-\\d{2}"))) {
            throw new IllegalArgumentException("A reservation needs its month as yyyy-MM, not " + month);
        }
    }

    public boolean holdsSomething() {
        return micros > 0;
    }
}
