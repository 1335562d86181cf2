package dev.reelay.application;

import java.time.Duration;

/**
 * How often the workflow asks a provider about a job: first after the provider's own estimate,
 * then from {@code minWait} backing off to {@code maxWait}, for at most {@code maxChecks} checks
 * and {@code deadline} in all. Both bounds keep an execution's history far below its limit.
 */
public record PollingPolicy(int minWaitSeconds, int maxWaitSeconds, double backoff, Duration deadline, int maxChecks) {

    public PollingPolicy {
        if (minWaitSeconds < 1 || maxWaitSeconds < minWaitSeconds || backoff < 1 || maxChecks < 1) {
            throw new IllegalArgumentException("Polling policy out of range: min " + minWaitSeconds + " s, max "
                    + maxWaitSeconds + " s, backoff " + backoff + ", checks " + maxChecks);
        }
    }

    /** Production defaults: Kling takes from about a minute to several; give up after an hour. */
    public static PollingPolicy standard() {
        return new PollingPolicy(10, 60, 1.5, Duration.ofHours(1), 200);
    }

    public int firstWait(int providerEstimateSeconds) {
        return clamp(providerEstimateSeconds);
    }

    /** The wait before check number {@code checksDone + 1}, never past the deadline. */
    public int nextWait(int checksDone, Duration remaining) {
        double wait = minWaitSeconds * Math.pow(backoff, Math.max(0, checksDone - 1));
        int bounded = clamp((int) Math.min(wait, Integer.MAX_VALUE));
        return (int) Math.max(1, Math.min(bounded, remaining.toSeconds()));
    }

    private int clamp(int seconds) {
        return Math.max(minWaitSeconds, Math.min(maxWaitSeconds, seconds));
    }
}
