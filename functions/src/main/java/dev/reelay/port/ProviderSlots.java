package dev.reelay.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The slot ledger and the waiting queue in front of the vendors (docs/queue.md). A task takes a
 * slot at a vendor before it submits and gives it back when its vendor job ends; a task that finds
 * no free slot waits in one first-in-first-out queue. Every change is one conditional write, so any
 * number of functions may grant, release and queue at once without granting a slot twice.
 */
public interface ProviderSlots {

    /**
     * A task in the queue, oldest first. {@code candidates} are the vendors that can serve it,
     * cheapest first; {@code keyCap} is its API key's own cap, if any. {@code taskToken} and
     * {@code waitingState} are set while its workflow waits to be woken.
     */
    record Waiting(String taskId, Instant acceptedAt, String ownerKeyId, List<String> candidates, OptionalInt keyCap,
                   String taskToken, String waitingState) {
        public Waiting {
            candidates = List.copyOf(candidates);
        }
    }

    /**
     * A vendor's slots as the ledger holds them: each holding task with when its hold was taken (or
     * last found alive); a smaller cap learned from the vendor's own refusals, in force until
     * {@code learnedUntil}; and, after the vendor was unavailable, no slots at all until {@code pausedUntil}.
     */
    record VendorSlots(String provider, Map<String, Instant> holders, OptionalInt learnedCap, Instant learnedUntil,
                       Instant pausedUntil) {
        public VendorSlots {
            holders = Map.copyOf(holders);
        }

        public VendorSlots(String provider, Map<String, Instant> holders, OptionalInt learnedCap, Instant learnedUntil) {
            this(provider, holders, learnedCap, learnedUntil, null);
        }

        /** The cap in force: the configured one, or a smaller one learned from a refusal that has not lapsed. */
        public int cap(int configured, Instant now) {
            return cap(configured, now, null);
        }

        /**
         * The cap in force. While paused, none. A learned cap holds until {@code learnedUntil}; after
         * that it grows by one slot every {@code growEvery} until it reaches the configured cap again,
         * so that a vendor is probed one job at a time instead of being sent the whole queue at once.
         * Without {@code growEvery}, the learned cap simply lapses.
         */
        public int cap(int configured, Instant now, java.time.Duration growEvery) {
            if (pausedUntil != null && now.isBefore(pausedUntil)) {
                return 0;
            }
            if (learnedCap.isEmpty() || learnedUntil == null) {
                return configured;
            }
            if (now.isBefore(learnedUntil)) {
                return Math.min(configured, learnedCap.getAsInt());
            }
            if (growEvery == null || growEvery.isZero() || growEvery.isNegative()) {
                return configured;
            }
            long grown = (long) learnedCap.getAsInt() + 1 + java.time.Duration.between(learnedUntil, now).toMillis() / growEvery.toMillis();
            return (int) Math.min(configured, grown);
        }
    }

    /** What became of an attempt to grant a slot. */
    enum Grant {
        /** The task holds the slot now. */
        GRANTED,
        /** The vendor or the key is full (another grant came first). */
        FULL,
        /** The task left the queue meanwhile (granted elsewhere, cancelled, failed). */
        GONE,
        /** The entry changed meanwhile (its workflow registered a new wait): read it again. */
        CHANGED
    }

    /** Puts a task in the queue at its place (by acceptance time); a task already there keeps its place. */
    void enqueue(Waiting entry);

    /** The queue, oldest first, at most {@code max} entries. */
    List<Waiting> waiting(int max);

    /** One entry, as it stands now. */
    Optional<Waiting> entry(String taskId, Instant acceptedAt);

    /** 1 for the next task to be served; empty when the task is not in the queue. */
    OptionalInt position(String taskId, Instant acceptedAt);

    VendorSlots vendor(String provider);

    /** The tasks holding slots under an API key, with when each hold was taken. */
    Map<String, Instant> heldByKey(String ownerKeyId);

    /**
     * The vendor the task holds a slot at, if any. An ended task still names the vendor it last held one
     * at (ending gives the slot back in the same write); releasing it again is harmless.
     */
    Optional<String> slotOf(String taskId);

    /**
     * In one transaction: the entry leaves the queue (unchanged since it was read), and the task takes
     * a slot at {@code provider} (fewer than {@code vendorCap} held there) and under its key (fewer than
     * its cap), while it is still pending and holds no other slot.
     */
    Grant grant(Waiting entry, String provider, int vendorCap, Instant at);

    /** Gives a task's slot back, at the vendor and under its key; harmless when it holds none. */
    void release(String taskId, String provider, String ownerKeyId);

    /** Removes a hold nobody has confirmed since {@code seen} (its task ended or its workflow died). */
    boolean reclaim(String provider, String ownerKeyId, String taskId, Instant seen);

    /** Marks a hold as found alive at {@code now}, if it is still the one seen at {@code seen}. */
    void confirm(String provider, String taskId, Instant seen, Instant now);

    /** The vendor refused below its cap: it is treated as having {@code cap} slots until {@code until}, then grows back. */
    void learnCap(String provider, int cap, Instant until);

    /** The vendor was unavailable: it gets no task until {@code until}. */
    void pause(String provider, Instant until);

    /**
     * Registers the token of the workflow step waiting for the task's slot. False when the task is no
     * longer in the queue (it was granted a slot meanwhile, or ended): the caller resumes itself.
     */
    boolean awaitSlot(String taskId, Instant acceptedAt, String taskToken, String waitingState);

    /** The task leaves the queue; harmless when it is not there. */
    void leave(String taskId, Instant acceptedAt);
}
