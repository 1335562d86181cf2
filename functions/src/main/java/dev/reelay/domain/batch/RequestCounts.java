package dev.reelay.domain.batch;

import java.util.List;

/**
 * How a batch's requests stand: each is {@code pending} (not yet created, or its task waits),
 * {@code processing}, {@code completed}, {@code failed}, {@code cancelled} or {@code refused}
 * (never became a task: invalid, or over budget). The parts always add up to {@code total}.
 */
public record RequestCounts(int total, int pending, int processing, int completed, int failed, int cancelled, int refused) {

    public RequestCounts {
        if (pending + processing + completed + failed + cancelled + refused != total) {
            throw new IllegalArgumentException("Request counts do not add up to " + total);
        }
    }

    /** A new batch: every request pending. */
    public static RequestCounts allPending(int total) {
        return new RequestCounts(total, total, 0, 0, 0, 0, 0);
    }

    /** The counts of these requests' states: one {@link BatchEntry.State} per request, null for one not created yet (pending). */
    public static RequestCounts of(List<BatchEntry.State> states) {
        int[] counts = new int[BatchEntry.State.values().length];
        int notCreated = 0;
        for (BatchEntry.State state : states) {
            if (state == null) {
                notCreated++;
            } else {
                counts[state.ordinal()]++;
            }
        }
        return new RequestCounts(states.size(), notCreated + counts[BatchEntry.State.PENDING.ordinal()],
                counts[BatchEntry.State.PROCESSING.ordinal()], counts[BatchEntry.State.COMPLETED.ordinal()],
                counts[BatchEntry.State.FAILED.ordinal()], counts[BatchEntry.State.CANCELLED.ordinal()],
                counts[BatchEntry.State.REFUSED.ordinal()]);
    }

    /** Every request has ended (completed, failed, cancelled or refused). */
    public boolean allEnded() {
        return pending == 0 && processing == 0;
    }
}
