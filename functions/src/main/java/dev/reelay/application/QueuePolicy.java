package dev.reelay.application;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the queue in front of the vendors behaves (docs/queue.md).
 *
 * @param caps           slots per vendor; a vendor not named has no cap of its own
 * @param maxWait        how long a task may wait for a slot before it fails {@code queue_timeout}
 * @param recheck        how long a waiting workflow sleeps before it looks again by itself: the safety
 *                       net under the wake-up a freed slot sends
 * @param refusalBackoff how long a vendor that refused below its cap is treated as smaller
 * @param slotLease      how long a hold counts without a look at its task: an older hold whose task
 *                       ended or whose workflow died is taken back
 */
public record QueuePolicy(Map<String, Integer> caps, Duration maxWait, Duration recheck, Duration refusalBackoff,
                          Duration slotLease) {
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public QueuePolicy {
        caps = Map.copyOf(caps);
        caps.forEach((provider, cap) -> {
            if (cap < 1) {
                throw new IllegalArgumentException("A vendor's concurrency must be at least 1: " + provider + "=" + cap);
            }
        });
        if (maxWait.isNegative() || maxWait.isZero() || recheck.toSeconds() < 1 || refusalBackoff.isNegative()
                || slotLease.toSeconds() < 1) {
            throw new IllegalArgumentException("Queue policy out of range: max wait " + maxWait + ", recheck " + recheck
                    + ", refusal backoff " + refusalBackoff + ", slot lease " + slotLease);
        }
    }

    /** Production defaults: wait up to 6 h, look again every minute, shrink a refusing vendor for a minute. */
    public static QueuePolicy standard(Map<String, Integer> caps) {
        return new QueuePolicy(caps, Duration.ofHours(6), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMinutes(2));
    }

    public int cap(String provider) {
        return caps.getOrDefault(provider, UNLIMITED);
    }

    public QueuePolicy withCaps(Map<String, Integer> otherCaps) {
        return new QueuePolicy(otherCaps, maxWait, recheck, refusalBackoff, slotLease);
    }

    /**
     * Caps from {@code kling=5;unified=20} (the form of {@code PROVIDER_CONCURRENCY} and of
     * {@code --max-concurrency}); blank for none.
     */
    public static Map<String, Integer> parseCaps(String text) {
        Map<String, Integer> caps = new LinkedHashMap<>();
        if (text == null) {
            return caps;
        }
        for (String entry : text.split("[;,]")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] pair = entry.split("=", 2);
            int cap;
            try {
                cap = pair.length == 2 ? Integer.parseInt(pair[1].trim()) : 0;
            } catch (NumberFormatException e) {
                cap = 0;
            }
            if (pair.length != 2 || pair[0].isBlank() || cap < 1) {
                throw new IllegalArgumentException("'" + entry.trim() + "' is not PROVIDER=N with N a whole number of at least 1");
            }
            if (caps.put(pair[0].trim(), cap) != null) {
                throw new IllegalArgumentException("Vendor '" + pair[0].trim() + "' is given a concurrency twice");
            }
        }
        return caps;
    }
}
