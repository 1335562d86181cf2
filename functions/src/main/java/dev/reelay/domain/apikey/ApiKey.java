package dev.reelay.domain.apikey;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An API key as Reelay keeps it: its unique name, which also owns its tasks and names its upload
 * prefix ({@code uploads/{name}/}), an optional monthly budget, when it was revoked, and an optional
 * cap of its own on how many vendor slots it may hold at once (empty: no cap of its own). The
 * secret itself is never kept, only its SHA-256 hash.
 */
public record ApiKey(String name, Instant createdAt, Optional<BigDecimal> monthlyBudgetUsd, Optional<Instant> revokedAt,
                     OptionalInt maxConcurrency) {

    public boolean active() {
        return revokedAt.isEmpty();
    }
}
