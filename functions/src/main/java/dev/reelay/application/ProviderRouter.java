package dev.reelay.application;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.provider.ProviderTable.Candidate;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.port.ProviderClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses vendors for a request: the cheapest that can serve it first, and vendors whose circuit
 * is open only after all the others.
 */
public final class ProviderRouter {
    private final ProviderTable table;
    private final Map<String, ProviderClient> clients;
    private final CircuitBreaker breaker;

    public ProviderRouter(ProviderTable table, Map<String, ProviderClient> clients, CircuitBreaker breaker) {
        table.profiles().forEach(profile -> {
            if (!clients.containsKey(profile.name())) {
                throw new IllegalStateException("Provider '" + profile.name() + "' is configured but has no client");
            }
        });
        this.table = table;
        this.clients = Map.copyOf(clients);
        this.breaker = breaker;
    }

    public ProviderTable table() {
        return table;
    }

    /** The vendors to try, in order; refuses (400) a request that none can serve. */
    public List<Candidate> plan(GenerationRequest request) {
        List<Candidate> healthy = new ArrayList<>();
        List<Candidate> open = new ArrayList<>();
        for (Candidate candidate : table.candidates(request)) {
            (breaker.isOpen(candidate.name()) ? open : healthy).add(candidate);
        }
        healthy.addAll(open);
        return healthy;
    }

    public ProviderClient client(String name) {
        ProviderClient client = clients.get(name);
        if (client == null) {
            throw new PermanentFailureException("provider_not_configured", "Provider '" + name + "' is not configured here.");
        }
        return client;
    }

    public void succeeded(String provider) {
        breaker.recordSuccess(provider);
    }

    public void failed(String provider) {
        breaker.recordFailure(provider);
    }
}
