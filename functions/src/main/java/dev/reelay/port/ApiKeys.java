package dev.reelay.port;

import dev.reelay.domain.apikey.ApiKey;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** The API keys: created with a secret shown once, found by a presented secret (by its hash), revoked by name. */
public interface ApiKeys {

    /** A new key and its secret, which is not kept and cannot be shown again. */
    record CreatedApiKey(ApiKey key, String secret) {
        @Override
        public String toString() {
            return "CreatedApiKey[key=" + key + ", secret=<hidden>]";
        }
    }

    /**
     * Creates a key. A name is never reused, not even after its key was revoked, because it owns
     * tasks and an upload prefix: a taken name is a {@link dev.reelay.domain.error.ConflictException}.
     *
     * @param monthlyBudgetUsd null for no budget
     * @param maxConcurrency   how many vendor slots the key may hold at once, at least 1; null for
     *                         no cap of its own (a smaller one is an
     *                         {@link dev.reelay.domain.error.InvalidRequestException})
     */
    CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, Integer maxConcurrency);

    /** Creates a key with no concurrency cap of its own. */
    default CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd) {
        return create(name, monthlyBudgetUsd, null);
    }

    /** The key a caller presented, whether active or revoked; empty when it is not one of ours. */
    Optional<ApiKey> findBySecret(String presentedSecret);

    Optional<ApiKey> findByName(String name);

    /** Every key, active and revoked, by name. */
    List<ApiKey> list();

    /** Revokes a key; false when there is no such key or it was already revoked. */
    boolean revoke(String name);
}
