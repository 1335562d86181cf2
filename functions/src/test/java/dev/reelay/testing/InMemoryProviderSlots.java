package dev.reelay.testing;

import dev.reelay.port.ProviderSlots;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The slot ledger and queue in memory, with the DynamoDB adapter's rules, for unit tests of the queue's users. */
public final class InMemoryProviderSlots implements ProviderSlots {
    private final Map<String, Waiting> queue = new HashMap<>();
    private final Map<String, Map<String, Instant>> vendorHolders = new HashMap<>();
    private final Map<String, Map<String, Instant>> keyHolders = new HashMap<>();
    private final Map<String, String> slotOfTask = new HashMap<>();
    private final Map<String, OptionalInt> learnedCaps = new HashMap<>();
    private final Map<String, Instant> learnedUntil = new HashMap<>();
    private final Map<String, Instant> pausedUntil = new HashMap<>();
    /** Tasks that may be granted a slot (pending, in the real store); every task when empty. */
    private final java.util.function.Predicate<String> pending;

    public InMemoryProviderSlots() {
        this(taskId -> true);
    }

    public InMemoryProviderSlots(java.util.function.Predicate<String> pending) {
        this.pending = pending;
    }

    private static String place(String taskId, Instant at) {
        return String.format("%013d#%s", at.toEpochMilli(), taskId);
    }

    @Override
    public synchronized void enqueue(Waiting entry) {
        queue.putIfAbsent(place(entry.taskId(), entry.acceptedAt()), entry);
    }

    @Override
    public synchronized List<Waiting> waiting(int max) {
        return queue.entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(max).map(Map.Entry::getValue).toList();
    }

    @Override
    public synchronized Optional<Waiting> entry(String taskId, Instant acceptedAt) {
        return Optional.ofNullable(queue.get(place(taskId, acceptedAt)));
    }

    @Override
    public synchronized OptionalInt position(String taskId, Instant acceptedAt) {
        String mine = place(taskId, acceptedAt);
        return queue.containsKey(mine) ? OptionalInt.of((int) queue.keySet().stream().filter(p -> p.compareTo(mine) < 0).count() + 1)
                : OptionalInt.empty();
    }

    @Override
    public synchronized VendorSlots vendor(String provider) {
        return new VendorSlots(provider, vendorHolders.getOrDefault(provider, Map.of()),
                learnedCaps.getOrDefault(provider, OptionalInt.empty()), learnedUntil.get(provider), pausedUntil.get(provider));
    }

    @Override
    public synchronized Map<String, Instant> heldByKey(String ownerKeyId) {
        return Map.copyOf(keyHolders.getOrDefault(ownerKeyId, Map.of()));
    }

    @Override
    public synchronized Optional<String> slotOf(String taskId) {
        return Optional.ofNullable(slotOfTask.get(taskId));
    }

    /** The vendor cap the last grant was asked to respect. */
    public volatile int lastGrantCap = -1;

    @Override
    public synchronized Grant grant(Waiting entry, String provider, int vendorCap, Instant at) {
        lastGrantCap = vendorCap;
        Waiting current = queue.get(place(entry.taskId(), entry.acceptedAt()));
        if (current == null) {
            return Grant.GONE;
        }
        if (!java.util.Objects.equals(current.taskToken(), entry.taskToken())) {
            return Grant.CHANGED;
        }
        if (!pending.test(entry.taskId()) || slotOfTask.containsKey(entry.taskId())) {
            queue.remove(place(entry.taskId(), entry.acceptedAt()));
            return Grant.GONE;
        }
        Map<String, Instant> atVendor = vendorHolders.computeIfAbsent(provider, p -> new LinkedHashMap<>());
        Map<String, Instant> underKey = keyHolders.computeIfAbsent(entry.ownerKeyId(), k -> new LinkedHashMap<>());
        if (atVendor.size() >= vendorCap || (entry.keyCap().isPresent() && underKey.size() >= entry.keyCap().getAsInt())) {
            return Grant.FULL;
        }
        atVendor.put(entry.taskId(), at);
        underKey.put(entry.taskId(), at);
        slotOfTask.put(entry.taskId(), provider);
        queue.remove(place(entry.taskId(), entry.acceptedAt()));
        return Grant.GRANTED;
    }

    @Override
    public synchronized void release(String taskId, String provider, String ownerKeyId) {
        vendorHolders.getOrDefault(provider, new HashMap<>()).remove(taskId);
        keyHolders.getOrDefault(ownerKeyId, new HashMap<>()).remove(taskId);
        slotOfTask.remove(taskId);
    }

    @Override
    public synchronized boolean reclaim(String provider, String ownerKeyId, String taskId, Instant seen) {
        Map<String, Instant> atVendor = vendorHolders.getOrDefault(provider, new HashMap<>());
        if (!seen.equals(atVendor.get(taskId))) {
            return false;
        }
        atVendor.remove(taskId);
        if (ownerKeyId != null) {
            keyHolders.getOrDefault(ownerKeyId, new HashMap<>()).remove(taskId);
            slotOfTask.remove(taskId);
        }
        return true;
    }

    @Override
    public synchronized void confirm(String provider, String taskId, Instant seen, Instant now) {
        vendorHolders.getOrDefault(provider, new HashMap<>()).replace(taskId, seen, now);
    }

    @Override
    public synchronized void learnCap(String provider, int cap, Instant until) {
        learnedCaps.put(provider, OptionalInt.of(cap));
        learnedUntil.put(provider, until);
    }

    @Override
    public synchronized void pause(String provider, Instant until) {
        pausedUntil.put(provider, until);
    }

    @Override
    public synchronized boolean awaitSlot(String taskId, Instant acceptedAt, String taskToken, String waitingState) {
        String place = place(taskId, acceptedAt);
        Waiting entry = queue.get(place);
        if (entry == null) {
            return false;
        }
        queue.put(place, new Waiting(entry.taskId(), entry.acceptedAt(), entry.ownerKeyId(), entry.candidates(), entry.keyCap(),
                taskToken, waitingState));
        return true;
    }

    @Override
    public synchronized void leave(String taskId, Instant acceptedAt) {
        queue.remove(place(taskId, acceptedAt));
    }

    /** A hold put straight into the ledger, as a task whose workflow died would leave it. */
    public synchronized void hold(String provider, String ownerKeyId, String taskId, Instant since) {
        vendorHolders.computeIfAbsent(provider, p -> new LinkedHashMap<>()).put(taskId, since);
        keyHolders.computeIfAbsent(ownerKeyId, k -> new LinkedHashMap<>()).put(taskId, since);
        slotOfTask.put(taskId, provider);
    }

    public synchronized List<String> queuedTaskIds() {
        return new ArrayList<>(waiting(Integer.MAX_VALUE).stream().map(Waiting::taskId).toList());
    }
}
