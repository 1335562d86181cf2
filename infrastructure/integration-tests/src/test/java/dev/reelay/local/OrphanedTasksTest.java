package dev.reelay.local;

import dev.reelay.adapter.dynamodb.DynamoDbTaskStore;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class OrphanedTasksTest {

    @Test
    void tasksLeftRunningEndFailedAndUnchargedWhileEndedOnesStayAsTheyWere() throws Exception {
        try (LocalDynamoDb dynamo = LocalDynamoDb.start(null)) {
            dynamo.createTasksTable("TasksTable");
            DynamoDbTaskStore store = new DynamoDbTaskStore(dynamo.client(), "TasksTable", Clock.systemUTC());
            GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                    "file:/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
            var quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
            for (String id : new String[]{"task-pending", "task-processing", "task-done"}) {
                store.create(Task.accepted(id, "default", Instant.now(), request, "inputs/" + id, null, quote));
            }
            store.recordProviderSubmission("task-processing", "unified", "p-1", 3, quote, TimelineEvent.of("provider_submitted", Instant.now()));
            store.recordProviderSubmission("task-done", "unified", "p-2", 3, quote, TimelineEvent.of("provider_submitted", Instant.now()));
            store.settle("task-done", quote, TimelineEvent.of("billed", Instant.now()));

            assertThat(OrphanedTasks.endAll(dynamo.client(), "TasksTable", store, Clock.systemUTC())).isEqualTo(2);

            for (String id : new String[]{"task-pending", "task-processing"}) {
                Task task = store.find(id).orElseThrow();
                assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
                assertThat(task.failure()).isEqualTo(OrphanedTasks.STACK_RESTARTED);
                assertThat(task.charged().costUsd()).isZero();
            }
            assertThat(store.find("task-done").orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
        }
    }
}
