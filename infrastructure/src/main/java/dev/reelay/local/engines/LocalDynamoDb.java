package dev.reelay.local.engines;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.reelay.adapter.dynamodb.Expiry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DynamoDB Local, in this JVM. In memory for tests; on disk under a state directory for the
 * launcher, so tasks survive a restart. Note: its scheduler thread outlives {@link #close()}, so
 * a program using it must end with {@code System.exit}.
 */
public final class LocalDynamoDb implements AutoCloseable {
    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private final DynamoDbClient client;

    private LocalDynamoDb(DynamoDBProxyServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.client = DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** @param dataDir where to keep the tables, or null for an in-memory database */
    public static LocalDynamoDb start(Path dataDir) throws Exception {
        // DynamoDB Local rejects "-port 0", so a free port is chosen first.
        String port = Integer.toString(FreePorts.pick());
        String[] args = dataDir == null
                ? new String[]{"-inMemory", "-port", port, "-disableTelemetry"}
                : new String[]{"-sharedDb", "-dbPath", ensureDir(dataDir).toString(), "-port", port, "-disableTelemetry"};
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
        server.start();
        return new LocalDynamoDb(server, URI.create("http://127.0.0.1:" + port));
    }

    public URI endpoint() {
        return endpoint;
    }

    public DynamoDbClient client() {
        return client;
    }

    /** The owner index as template.yaml declares it: tasks by owner, newest first, every attribute projected. */
    static final String OWNER_INDEX = "OwnerCreatedIndex";

    /**
     * The tasks table: a partition key and a sort key, on demand, the sparse owner index
     * ({@code ownerKeyId}, {@code createdAtTaskId}) and time to live on {@code expiresAt}, as in
     * template.yaml. A table kept from an earlier run of the launcher is reused, and given the index
     * if it was made before the index existed. (DynamoDB Local records the TTL setting but never
     * deletes expired items; the code treats them as absent.)
     */
    public void createTasksTable(String name) {
        try {
            client.createTable(create -> create.tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(attribute("pk"), attribute("sk"), attribute("ownerKeyId"), attribute("createdAtTaskId"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE"))
                    .globalSecondaryIndexes(ownerIndex()));
        } catch (ResourceInUseException alreadyThere) {
            boolean indexed = client.describeTable(d -> d.tableName(name)).table().globalSecondaryIndexes().stream()
                    .anyMatch(index -> index.indexName().equals(OWNER_INDEX));
            if (!indexed) {
                client.updateTable(update -> update.tableName(name)
                        .attributeDefinitions(attribute("ownerKeyId"), attribute("createdAtTaskId"))
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(OWNER_INDEX)
                                .keySchema(ownerIndex().keySchema()).projection(p -> p.projectionType(ProjectionType.ALL)))));
            }
        }
        var ttl = client.describeTimeToLive(d -> d.tableName(name)).timeToLiveDescription();
        if (ttl == null || ttl.attributeName() == null) {
            client.updateTimeToLive(u -> u.tableName(name).timeToLiveSpecification(t -> t.attributeName(Expiry.ATTRIBUTE).enabled(true)));
        }
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static GlobalSecondaryIndex ownerIndex() {
        return GlobalSecondaryIndex.builder().indexName(OWNER_INDEX)
                .keySchema(KeySchemaElement.builder().attributeName("ownerKeyId").keyType("HASH").build(),
                        KeySchemaElement.builder().attributeName("createdAtTaskId").keyType("RANGE").build())
                .projection(p -> p.projectionType(ProjectionType.ALL))
                .build();
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.stop();
    }

    private static Path ensureDir(Path dir) throws IOException {
        return Files.createDirectories(dir).toAbsolutePath();
    }
}
