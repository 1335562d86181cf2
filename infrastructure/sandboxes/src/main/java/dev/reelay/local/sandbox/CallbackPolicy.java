package dev.reelay.local.sandbox;

import java.time.Duration;
import java.util.List;

/**
 * When a vendor POSTs its callback and how it retries one that failed (an error, a non-2xx answer or no
 * answer within 10 s).
 *
 * @param retryDelays the waits before each retry, in order; empty: a failed delivery is lost
 */
public record CallbackPolicy(Trigger trigger, List<Duration> retryDelays) {

    public enum Trigger {
        /** Once for each status the task enters, starting with its initial one (Kling). */
        EVERY_STATUS_CHANGE,
        /** Once, when the task has completed or failed (the unified aggregator). */
        ONCE_AT_END
    }

    public CallbackPolicy {
        retryDelays = List.copyOf(retryDelays);
    }

    public static CallbackPolicy everyStatusChange(Duration... retryDelays) {
        return new CallbackPolicy(Trigger.EVERY_STATUS_CHANGE, List.of(retryDelays));
    }

    public static CallbackPolicy onceAtEnd(Duration... retryDelays) {
        return new CallbackPolicy(Trigger.ONCE_AT_END, List.of(retryDelays));
    }
}
