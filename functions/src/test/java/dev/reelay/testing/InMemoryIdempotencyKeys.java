package dev.reelay.testing;

import dev.reelay.port.IdempotencyKeys;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Idempotency keys in memory, claimed atomically like the DynamoDB adapter's. */
public final class InMemoryIdempotencyKeys implements IdempotencyKeys {
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();

    @Override
    public Claim claim(String ownerKeyId, String key, String requestHash, String taskId) {
        Claim mine = new Claim(taskId, requestHash, true);
        Claim existing = claims.putIfAbsent(ownerKeyId + "#" + key, mine);
        return existing == null ? mine : new Claim(existing.taskId(), existing.requestHash(), false);
    }

    @Override
    public void release(String ownerKeyId, String key, String taskId) {
        claims.computeIfPresent(ownerKeyId + "#" + key, (k, claim) -> claim.taskId().equals(taskId) ? null : claim);
    }
}
