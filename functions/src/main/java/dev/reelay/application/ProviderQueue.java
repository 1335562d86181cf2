package dev.reelay.application;

import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.task.Task;
import dev.reelay.port.ProviderSlots;
import dev.reelay.port.ProviderSlots.Grant;
import dev.reelay.port.ProviderSlots.VendorSlots;
import dev.reelay.port.ProviderSlots.Waiting;
import dev.reelay.port.TaskStore;
import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The queue in front of the vendors (docs/queue.md): a task takes a slot at the cheapest vendor
 * able to serve it that has one free, or waits its turn. Whenever a slot may have freed, the queue
 * is walked oldest first and each waiting task that can be served is granted a slot and its
 * workflow woken; a key at its own cap is passed over, so its tasks never hold up another key's.
 * <p>
 * The ledger is the only truth: grants are conditional writes, so concurrent dispatches from any
 * number of functions never hand out a slot twice. A hold whose task ended or whose workflow died
 * is taken back once it has gone unconfirmed for the policy's lease.
 */
public final class ProviderQueue {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderQueue.class);
    /** The most queue entries one dispatch reads: far more than a burst, and bounded all the same. */
    static final int MAX_ENTRIES_READ = 5_000;
    private static final int GRANT_ATTEMPTS = 3;

    private final ProviderSlots slots;
    private final QueuePolicy policy;
    private final List<String> vendors;
    private final TaskStore store;
    private final Workflow workflow;
    private final Function<String, OptionalInt> keyCaps;
    private final Clock clock;

    /**
     * @param vendors the configured vendors, by name
     * @param keyCaps an API key's own cap on the slots its tasks hold at once, by key name
     */
    public ProviderQueue(ProviderSlots slots, QueuePolicy policy, List<String> vendors, TaskStore store, Workflow workflow,
                         Function<String, OptionalInt> keyCaps, Clock clock) {
        this.slots = slots;
        this.policy = policy;
        this.vendors = List.copyOf(vendors);
        this.store = store;
        this.workflow = workflow;
        this.keyCaps = keyCaps;
        this.clock = clock;
    }

    public QueuePolicy policy() {
        return policy;
    }

    /**
     * The vendor the task holds a slot at: the one it holds already, or one granted now after it
     * joined the queue (at its place by acceptance time, so a task sent back keeps its turn).
     * Empty: every vendor in {@code candidates} is full for it, and it waits.
     */
    public Optional<String> takeSlot(Task task, List<String> candidates) {
        Optional<String> held = slots.slotOf(task.id());
        if (held.isPresent()) {
            return held;
        }
        slots.enqueue(new Waiting(task.id(), task.createdAt(), task.ownerKeyId(), candidates,
                keyCaps.apply(task.ownerKeyId()), null, null));
        dispatch();
        return slots.slotOf(task.id());
    }

    /** The task's place in the queue, 1 being the next; empty when it does not wait. */
    public OptionalInt position(Task task) {
        return task.status().isTerminal() || task.providerTaskId() != null ? OptionalInt.empty()
                : slots.position(task.id(), task.createdAt());
    }

    /**
     * The workflow waits for the task's slot: its token is registered so that a grant wakes it. When
     * the task was granted a slot (or ended) meanwhile, the wait is ended at once.
     */
    public void await(String taskId, String taskToken, String waitingState) {
        Instant acceptedAt = store.find(taskId).map(Task::createdAt).orElse(null);
        if (acceptedAt == null || !slots.awaitSlot(taskId, acceptedAt, taskToken, waitingState)) {
            workflow.resume(taskToken, waitingState);
        }
    }

    /** The task's vendor job ended: its slot goes back, and the queue moves. */
    public void release(Task task) {
        Optional<String> held = slots.slotOf(task.id());
        if (held.isPresent()) {
            slots.release(task.id(), held.get(), task.ownerKeyId());
            dispatch();
        }
    }

    /** The task ended outside the vendor (cancelled, failed): it leaves the queue and gives back any slot. */
    public void ended(Task task) {
        slots.leave(task.id(), task.createdAt());
        slots.slotOf(task.id()).ifPresent(provider -> slots.release(task.id(), provider, task.ownerKeyId()));
        dispatch();
    }

    /**
     * The vendor took nothing: the task gives its slot back (to take its turn again). A vendor that
     * refused for its own concurrency or rate limit below the cap Reelay thought it had counts, for
     * the policy's back-off, as having only the slots its other tasks hold, then grows back one slot
     * per back-off; a vendor that was unavailable gets no task for the back-off.
     */
    public void refused(Task task, String provider, ProviderErrorKind why) {
        Instant until = clock.instant().plus(policy.refusalBackoff());
        if (why == ProviderErrorKind.PROVIDER_UNAVAILABLE) {
            slots.pause(provider, until);
            LOG.info("Task {}: {} is unavailable; it gets no task until {}", task.id(), provider, until);
        } else {
            int others = (int) slots.vendor(provider).holders().keySet().stream().filter(id -> !id.equals(task.id())).count();
            slots.learnCap(provider, others, until);
            LOG.info("Task {}: {} refused at {} running; it counts as {} slots until {}", task.id(), provider, others + 1, others, until);
        }
        slots.release(task.id(), provider, task.ownerKeyId());
    }

    /**
     * Grants free slots to waiting tasks, oldest first, and wakes their workflows. Returns how many
     * were granted. Cheap when nothing is free: the vendors are read before the queue.
     */
    public int dispatch() {
        Instant now = clock.instant();
        Map<String, Long> room = new HashMap<>();
        Map<String, Integer> caps = new HashMap<>();
        for (String vendor : vendors) {
            room.put(vendor, room(vendor, now, caps));
        }
        if (room.values().stream().allMatch(free -> free <= 0)) {
            return 0;
        }
        Map<String, Long> keyRoom = new HashMap<>();
        int granted = 0;
        for (Waiting entry : slots.waiting(MAX_ENTRIES_READ)) {
            long forKey = keyRoom.computeIfAbsent(entry.ownerKeyId(), key -> keyRoom(entry));
            if (forKey <= 0) {
                continue;
            }
            for (String vendor : entry.candidates()) {
                if (room.getOrDefault(vendor, 0L) <= 0) {
                    continue;
                }
                Grant result = grant(entry, vendor, caps.get(vendor), now);
                if (result == Grant.GRANTED) {
                    room.merge(vendor, -1L, Long::sum);
                    keyRoom.merge(entry.ownerKeyId(), -1L, Long::sum);
                    granted++;
                    break;
                }
                if (result == Grant.GONE) {
                    break;
                }
                // Full after all: another dispatch came first. Look again before the next entry.
                room.put(vendor, room(vendor, now, caps));
                keyRoom.put(entry.ownerKeyId(), keyRoom(entry));
                if (keyRoom.get(entry.ownerKeyId()) <= 0) {
                    break;
                }
            }
            if (room.values().stream().allMatch(free -> free <= 0)) {
                break;
            }
        }
        return granted;
    }

    /** Grants the slot and wakes the entry's workflow; reads the entry again when its wait changed meanwhile. */
    private Grant grant(Waiting entry, String vendor, int cap, Instant now) {
        Waiting current = entry;
        for (int attempt = 1; attempt <= GRANT_ATTEMPTS; attempt++) {
            // The cap in force (a learned one included) is the grant's condition, so racing dispatches never exceed it.
            Grant result = slots.grant(current, vendor, cap, now);
            if (result == Grant.GRANTED) {
                try (TaskLog.Scope about = TaskLog.about(current.taskId())) {
                    LOG.info("Task {} takes a slot at {}", current.taskId(), vendor);
                    if (current.taskToken() != null && !workflow.resume(current.taskToken(), current.waitingState())) {
                        // That wait had already timed out: the workflow looks again by itself and finds its slot.
                        LOG.info("Task {}: its wait had ended; it finds its slot when it looks again", current.taskId());
                    }
                }
                return result;
            }
            if (result != Grant.CHANGED) {
                return result;
            }
            Optional<Waiting> reread = slots.entry(current.taskId(), current.acceptedAt());
            if (reread.isEmpty()) {
                return Grant.GONE;
            }
            current = reread.get();
        }
        return Grant.FULL;
    }

    /** Free slots at a vendor: its cap in force (noted in {@code caps}) less its holds, after taking back holds whose task is gone. */
    private long room(String vendor, Instant now, Map<String, Integer> caps) {
        VendorSlots slotsNow = slots.vendor(vendor);
        int cap = slotsNow.cap(policy.cap(vendor), now, policy.refusalBackoff());
        caps.put(vendor, cap);
        long held = slotsNow.holders().size();
        if (held >= cap) {
            held -= reclaimStale(slotsNow, now);
        }
        return cap == QueuePolicy.UNLIMITED ? Long.MAX_VALUE / 2 : cap - held;
    }

    private long keyRoom(Waiting entry) {
        if (entry.keyCap().isEmpty()) {
            return Long.MAX_VALUE / 2;
        }
        return entry.keyCap().getAsInt() - (long) slots.heldByKey(entry.ownerKeyId()).size();
    }

    /** Takes back holds not confirmed within the lease whose task ended or whose workflow no longer runs. */
    private int reclaimStale(VendorSlots vendor, Instant now) {
        int reclaimed = 0;
        for (Map.Entry<String, Instant> hold : vendor.holders().entrySet()) {
            if (!hold.getValue().plus(policy.slotLease()).isBefore(now)) {
                continue;
            }
            try (TaskLog.Scope about = TaskLog.about(hold.getKey())) {
                if (reclaimIfGone(vendor, hold.getKey(), hold.getValue(), now)) {
                    reclaimed++;
                }
            }
        }
        return reclaimed;
    }

    /** Confirms a stale hold whose task still runs, or takes it back; true when taken back. */
    private boolean reclaimIfGone(VendorSlots vendor, String taskId, Instant since, Instant now) {
        Optional<Task> task = store.find(taskId);
        boolean alive;
        try {
            alive = task.isPresent() && !task.get().status().isTerminal() && workflow.running(taskId);
        } catch (RuntimeException e) {
            // Not knowing is no reason to take a slot from a task that may be rendering: it stays held.
            LOG.error("Could not tell whether task {}'s workflow still runs; its {} slot stays held", taskId, vendor.provider(), e);
            return false;
        }
        if (alive) {
            slots.confirm(vendor.provider(), taskId, since, now);
            return false;
        }
        if (slots.reclaim(vendor.provider(), task.map(Task::ownerKeyId).orElse(null), taskId, since)) {
            LOG.warn("Took back {}'s slot held by task {} since {}: the task {}", vendor.provider(), taskId, since,
                    task.isEmpty() ? "is missing" : task.get().status().isTerminal() ? "has ended" : "has no running workflow");
            return true;
        }
        return false;
    }
}
