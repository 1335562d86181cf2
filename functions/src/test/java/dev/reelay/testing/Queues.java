package dev.reelay.testing;

import dev.reelay.application.ProviderQueue;
import dev.reelay.application.ProviderRouter;
import dev.reelay.application.QueuePolicy;
import dev.reelay.domain.provider.ProviderProfile;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.port.TaskStore;
import dev.reelay.port.Workflow;

import java.time.Clock;
import java.util.Map;
import java.util.OptionalInt;

/** A queue in front of the router's vendors, on the in-memory ledger, for unit tests. */
public final class Queues {
    private Queues() {
    }

    /** No caps: every task takes a slot at once. */
    public static ProviderQueue open(TaskStore store, ProviderRouter router, Workflow workflow, Clock clock) {
        return capped(new InMemoryProviderSlots(pendingIn(store)), Map.of(), store, router, workflow, clock);
    }

    public static ProviderQueue capped(InMemoryProviderSlots slots, Map<String, Integer> caps, TaskStore store,
                                       ProviderRouter router, Workflow workflow, Clock clock) {
        return new ProviderQueue(slots, QueuePolicy.standard(caps),
                router.table().profiles().stream().map(ProviderProfile::name).toList(), store, workflow,
                key -> OptionalInt.empty(), clock);
    }

    /** As the DynamoDB ledger's grant condition: only a pending task takes a slot. */
    public static java.util.function.Predicate<String> pendingIn(TaskStore store) {
        return taskId -> store.find(taskId).map(task -> task.status() == TaskStatus.PENDING).orElse(false);
    }
}
