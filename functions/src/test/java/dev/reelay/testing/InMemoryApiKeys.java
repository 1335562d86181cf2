package dev.reelay.testing;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.port.ApiKeys;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** API keys in memory, by name and by secret hash, with the DynamoDB adapter's rules. */
public final class InMemoryApiKeys implements ApiKeys {
    private final Map<String, ApiKey> byName = new ConcurrentSkipListMap<>();
    private final Map<String, String> nameByHash = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    @Override
    public CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, Integer maxConcurrency) {
        return create(name, monthlyBudgetUsd, maxConcurrency, ApiKeySecrets.generate(random));
    }

    /** A key with a secret the test chooses, e.g. the one a sample event carries. */
    public CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, String secret) {
        return create(name, monthlyBudgetUsd, null, secret);
    }

    private synchronized CreatedApiKey create(String name, BigDecimal monthlyBudgetUsd, Integer maxConcurrency, String secret) {
        ApiKeySecrets.checkName(name);
        ApiKeySecrets.checkBudget(monthlyBudgetUsd);
        OptionalInt cap = ApiKeySecrets.checkMaxConcurrency(maxConcurrency);
        if (byName.containsKey(name)) {
            throw new ConflictException("key_name_taken", "An API key named '" + name + "' exists or existed.");
        }
        ApiKey key = new ApiKey(name, Instant.now(), Optional.ofNullable(monthlyBudgetUsd), Optional.empty(), cap);
        byName.put(name, key);
        nameByHash.put(ApiKeySecrets.hash(secret), name);
        return new CreatedApiKey(key, secret);
    }

    @Override
    public Optional<ApiKey> findBySecret(String presentedSecret) {
        return presentedSecret == null ? Optional.empty()
                : Optional.ofNullable(nameByHash.get(ApiKeySecrets.hash(presentedSecret))).flatMap(this::findByName);
    }

    @Override
    public Optional<ApiKey> findByName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public List<ApiKey> list() {
        return List.copyOf(byName.values());
    }

    @Override
    public synchronized boolean revoke(String name) {
        ApiKey key = byName.get(name);
        if (key == null || !key.active()) {
            return false;
        }
        byName.put(name, new ApiKey(key.name(), key.createdAt(), key.monthlyBudgetUsd(), Optional.of(Instant.now()), key.maxConcurrency()));
        return true;
    }
}
