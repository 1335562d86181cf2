package dev.reelay.application;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a failing vendor out for a while: after {@code threshold} failures in a row it is "open"
 * for {@code openFor}, and the router tries it only after every other vendor. The state lives in
 * one Lambda container's memory: a short, local memory is all a breaker needs.
 */
public final class CircuitBreaker {
    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    private record State(int failures, Instant openUntil) {
    }

    public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1: " + threshold);
        }
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    public static CircuitBreaker standard(Clock clock) {
        return new CircuitBreaker(3, Duration.ofMinutes(1), clock);
    }

    public boolean isOpen(String provider) {
        State state = states.get(provider);
        return state != null && state.openUntil() != null && clock.instant().isBefore(state.openUntil());
    }

    public void recordSuccess(String provider) {
        states.remove(provider);
    }

    public void recordFailure(String provider) {
        states.compute(provider, (name, state) -> {
            int failures = (state == null ? 0 : state.failures()) + 1;
            return new State(failures, failures >= threshold ? clock.instant().plus(openFor) : null);
        });
    }
}
