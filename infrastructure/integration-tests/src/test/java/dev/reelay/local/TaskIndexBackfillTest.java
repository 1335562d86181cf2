package dev.reelay.local;

import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.adapter.dynamodb.DynamoDbTaskStore;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A launcher table made before the owner index existed gets the index, and its tasks their sort key, at start. */
class TaskIndexBackfillTest {

    @Test
    void anOlderTableIsIndexedAndItsTasksListedNewestFirst() throws Exception {
        try (LocalDynamoDb dynamo = LocalDynamoDb.start(null)) {
            dynamo.client().createTable(create -> create.tableName("TasksTable").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                            a -> a.attributeName("sk").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE")));
            DynamoDbTaskStore store = new DynamoDbTaskStore(dynamo.client(), "TasksTable", Clock.systemUTC());
            GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                    "file:/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);
            var quote = Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5);
            Instant first = Instant.parse("2026-11-20T10:00:00Z");
            for (int i = 0; i < 3; i++) {
                String id = "task-old-" + i;
                store.create(Task.accepted(id, "default", first.plusSeconds(i), request, "inputs/x", null, quote));
                // As an earlier version wrote it: without the index's sort key.
                dynamo.client().updateItem(u -> u.tableName("TasksTable").key(TasksTableSchema.taskKey(id))
                        .updateExpression("REMOVE createdAtTaskId"));
            }

            dynamo.createTasksTable("TasksTable");
            assertThat(TaskIndexBackfill.run(dynamo.client(), "TasksTable")).isEqualTo(3);
            assertThat(TaskIndexBackfill.run(dynamo.client(), "TasksTable")).as("once").isZero();

            assertThat(store.list("default", Optional.empty(), 10, Optional.empty()).tasks()).extracting(Task::id)
                    .containsExactly("task-old-2", "task-old-1", "task-old-0");
        }
    }
}
