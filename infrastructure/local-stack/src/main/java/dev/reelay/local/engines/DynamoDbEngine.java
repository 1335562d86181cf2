package dev.reelay.local.engines;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.URI;

/** The DynamoDB the local runtime runs on: DynamoDB Local in this JVM, or another engine (e.g. LocalStack's). */
public interface DynamoDbEngine {
    URI endpoint();

    /** A client of this engine; closed with it. */
    DynamoDbClient client();

    /** The tasks table as template.yaml declares it (see {@link TasksTable#ensure}); a table already there is reused. */
    default void createTasksTable(String name) {
        TasksTable.ensure(client(), name);
    }
}
