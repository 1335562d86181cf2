package dev.reelay.local;

import dev.reelay.adapter.dynamodb.DynamoDbBatchStore;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.local.engines.LocalDynamoDb;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OrphanedBatchesTest {

    @Test
    void batchesLeftRunningHaveTheirWorkflowStartedAgainWhileEndedOnesAreLeftAlone() throws Exception {
        try (LocalDynamoDb dynamo = LocalDynamoDb.start(null)) {
            dynamo.createTasksTable("TasksTable");
            DynamoDbBatchStore store = new DynamoDbBatchStore(dynamo.client(), "TasksTable");
            for (String id : List.of("batch-validating", "batch-running", "batch-done", "batch-cancelled")) {
                store.create(Batch.accepted(id, "default", Instant.now(), 2, null, Map.of(), null), List.of());
            }
            Batch running = store.find("batch-running").orElseThrow();
            store.saveProgress(running.progressed(BatchStatus.IN_PROGRESS, new RequestCounts(2, 1, 1, 0, 0, 0, 0), BigDecimal.ZERO, null));
            Batch done = store.find("batch-done").orElseThrow();
            store.saveProgress(done.progressed(BatchStatus.COMPLETED, new RequestCounts(2, 0, 0, 2, 0, 0, 0), new BigDecimal("0.45"),
                    Instant.now()));
            Batch cancelled = store.find("batch-cancelled").orElseThrow();
            store.saveProgress(cancelled.progressed(BatchStatus.CANCELLED, new RequestCounts(2, 0, 0, 0, 0, 2, 0), BigDecimal.ZERO,
                    Instant.now()));
            List<String> started = new ArrayList<>();

            assertThat(OrphanedBatches.resumeAll(dynamo.client(), "TasksTable", started::add)).isEqualTo(2);

            assertThat(started).containsExactlyInAnyOrder("batch-validating", "batch-running");
        }
    }
}
