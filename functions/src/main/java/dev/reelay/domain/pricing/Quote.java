package dev.reelay.domain.pricing;

import java.math.BigDecimal;

/** What a task costs: the seconds billed (the minimum applied), the dollars and the credits. */
public record Quote(int billedSeconds, BigDecimal costUsd, BigDecimal credits) {
    public static final Quote FREE = new Quote(0, BigDecimal.ZERO, BigDecimal.ZERO);

    /** The cost in millionths of a dollar, exact: what counters add up. */
    public long costMicros() {
        return costUsd.movePointRight(6).longValueExact();
    }
}
