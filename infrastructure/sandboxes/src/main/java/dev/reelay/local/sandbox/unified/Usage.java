package dev.reelay.local.sandbox.unified;

import dev.reelay.local.sandbox.Quality;

import java.math.BigDecimal;

/**
 * What a task costs, at the aggregator's published prices: $0.075 per second of requested duration at 720p without sound, times
 * the quality and sound multiplier, and 72 credits per US dollar (5.4 credits per base second). The
 * 3-second billing minimum never applies because duration is at least 3.
 */
record Usage(BigDecimal estimatedCostUsd, BigDecimal creditsReserved) {
    private static final BigDecimal USD_PER_SECOND = new BigDecimal("0.075");
    private static final BigDecimal CREDITS_PER_USD = BigDecimal.valueOf(72);

    static Usage of(Quality quality, boolean sound, int durationSeconds) {
        BigDecimal multiplier = new BigDecimal(switch (quality) {
            case HD -> sound ? "1.5" : "1";
            case FULL_HD -> sound ? "2.0" : "1.333";
            // The aggregator prices no 4k tier: this is the sandbox's own assumption.
            case ULTRA_HD -> sound ? "3.0" : "2.0";
        });
        BigDecimal cost = USD_PER_SECOND.multiply(multiplier).multiply(BigDecimal.valueOf(durationSeconds));
        return new Usage(cost, cost.multiply(CREDITS_PER_USD));
    }
}
