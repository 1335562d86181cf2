package dev.reelay.application;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {
    private Instant now = Instant.parse("2026-11-23T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };

    @Test
    void opensAfterConsecutiveFailuresAndClosesAfterItsPeriod() {
        CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(30), clock);
        breaker.recordFailure("kling");
        assertThat(breaker.isOpen("kling")).isFalse();
        breaker.recordFailure("kling");
        assertThat(breaker.isOpen("kling")).isTrue();
        assertThat(breaker.isOpen("unified")).isFalse();
        now = now.plusSeconds(31);
        assertThat(breaker.isOpen("kling")).isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(30), clock);
        breaker.recordFailure("kling");
        breaker.recordSuccess("kling");
        breaker.recordFailure("kling");
        assertThat(breaker.isOpen("kling")).isFalse();
    }
}
