package dev.reelay.local.engines;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * DynamoDB Local, in this JVM. In memory for tests; on disk under a state directory for the
 * launcher, so tasks survive a restart. Note: its scheduler thread outlives {@link #close()}, so
 * a program using it must end with {@code System.exit}. Its tasks table is made by
 * {@link #createTasksTable} ({@link TasksTable}).
 */
public final class LocalDynamoDb implements DynamoDbEngine, AutoCloseable {
    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private final DynamoDbClient client;

    private LocalDynamoDb(DynamoDBProxyServer server, URI endpoint, List<ExecutionInterceptor> interceptors) {
        this.server = server;
        this.endpoint = endpoint;
        this.client = DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.executionInterceptors(interceptors))
                .build();
    }

    /** @param dataDir where to keep the tables, or null for an in-memory database */
    public static LocalDynamoDb start(Path dataDir) throws Exception {
        return start(dataDir, List.of());
    }

    /**
     * @param dataDir      where to keep the tables, or null for an in-memory database
     * @param interceptors for every request of {@link #client()}, e.g. to record who calls what
     */
    public static LocalDynamoDb start(Path dataDir, List<ExecutionInterceptor> interceptors) throws Exception {
        // DynamoDB Local rejects "-port 0", so a free port is chosen first.
        String port = Integer.toString(FreePorts.pick());
        String[] args = dataDir == null
                ? new String[]{"-inMemory", "-port", port, "-disableTelemetry"}
                : new String[]{"-sharedDb", "-dbPath", ensureDir(dataDir).toString(), "-port", port, "-disableTelemetry"};
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
        server.start();
        return new LocalDynamoDb(server, URI.create("http://127.0.0.1:" + port), List.copyOf(interceptors));
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public DynamoDbClient client() {
        return client;
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
