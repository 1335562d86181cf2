package dev.reelay.domain.apikey;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * An API key as Reelay keeps it: its unique name, which also owns its tasks and names its upload
 * prefix ({@code uploads/{name}/}), an optional monthly budget, and when it was revoked. The
 * secret itself is never kept, only its SHA-256 hash.
 */
public record ApiKey(String name, Instant createdAt, Optional<BigDecimal> monthlyBudgetUsd, Optional<Instant> revokedAt) {

    public boolean active() {
        return revokedAt.isEmpty();
    }
}
