package dev.reelay.testing;

import dev.reelay.port.ProviderCallbacks;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Callback registrations in memory, with the DynamoDB adapter's rules, for unit tests. */
public final class InMemoryProviderCallbacks implements ProviderCallbacks {
    private final Map<String, String> secretsByTask = new ConcurrentHashMap<>();
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();

    @Override
    public String secretFor(String taskId) {
        return secretsByTask.computeIfAbsent(taskId, id -> {
            String secret = UUID.randomUUID().toString().replace("-", "");
            registrations.put(secret, new Registration(secret, id, null, null, false));
            return secret;
        });
    }

    @Override
    public Optional<Registration> find(String secret) {
        return Optional.ofNullable(registrations.get(secret));
    }

    @Override
    public Registration await(String secret, String taskToken, String waitingStateJson) {
        return registrations.computeIfPresent(secret, (s, r) -> new Registration(s, r.taskId(), taskToken, waitingStateJson, r.finished()));
    }

    @Override
    public Registration finish(String secret) {
        return registrations.computeIfPresent(secret, (s, r) -> new Registration(s, r.taskId(), r.taskToken(), r.waitingState(), true));
    }
}
