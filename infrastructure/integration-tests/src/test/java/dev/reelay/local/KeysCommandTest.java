package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.engines.LocalDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a {@code keys} command reports when the database does not do what it says: a write it
 * acknowledged but did not keep (as DynamoDB Local does when SQLite answers "database is locked" at
 * commit) is not reported as done, and a database that fails is exit 3 with the reason. These run
 * {@link KeysCommand#runOnStack}, the path a running stack takes, on a client that lies or fails.
 */
class KeysCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalDynamoDb dynamo;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(LocalRuntime.TASKS_TABLE);
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private static Run run(DynamoDbClient client, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = KeysCommand.runOnStack(new ArrayDeque<>(List.of(args)), client, LocalRuntime.TASKS_TABLE,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The real client, except that the named operations answer success and write nothing, or fail. */
    private static DynamoDbClient client(Set<String> acknowledgedButDropped, Set<String> failing) {
        DynamoDbClient real = dynamo.client();
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(), new Class<?>[]{DynamoDbClient.class},
                (proxy, method, args) -> {
                    if (acknowledgedButDropped.contains(method.getName())) {
                        java.lang.reflect.Method builder = method.getReturnType().getMethod("builder");
                        return builder.getReturnType().getMethod("build").invoke(builder.invoke(null));
                    }
                    if (failing.contains(method.getName())) {
                        throw DynamoDbException.builder().message("[5] DB[1] exec() database is locked").statusCode(500).build();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aKeyTheDatabaseAcknowledgedButDidNotKeepIsNotReportedCreated() {
        Run lied = run(client(Set.of("transactWriteItems"), Set.of()), "create", "--name", "dropped-key");

        assertThat(lied.exit()).isEqualTo(KeysCommand.WRITE_NOT_CONFIRMED);
        assertThat(lied.stdout()).as("no key is printed").isEmpty();
        assertThat(lied.stderr()).contains("dropped-key").contains("reading it back found nothing").doesNotContain("Created");
        Run again = run(dynamo.client(), "create", "--name", "dropped-key");
        assertThat(again.exit()).as("the name is free: nothing was created").isZero();
    }

    @Test
    void aWebhookSecretTheDatabaseDidNotKeepIsNotReportedEitherWay() {
        Run created = run(client(Set.of("putItem"), Set.of()), "create", "--name", "secretless");
        assertThat(created.exit()).isEqualTo(KeysCommand.WRITE_NOT_CONFIRMED);
        assertThat(created.stdout()).isEmpty();
        assertThat(created.stderr()).contains("webhook signing secret").contains("no key was created");
        assertThat(run(dynamo.client(), "create", "--name", "secretless").exit()).as("the name is free").isZero();

        Run rotated = run(client(Set.of("putItem"), Set.of()), "webhook-secret", "--name", "secretless", "--rotate");
        assertThat(rotated.exit()).isEqualTo(KeysCommand.WRITE_NOT_CONFIRMED);
        assertThat(rotated.stdout()).isEmpty();
        assertThat(rotated.stderr()).contains("old one may still be in use");
    }

    @Test
    void aDatabaseThatFailsIsUnavailableWithTheReasonAndNothingOnStdout() {
        for (String operation : List.of("transactWriteItems", "putItem", "getItem")) {
            Run failed = run(client(Set.of(), Set.of(operation)), "create", "--name", "failing-" + operation.toLowerCase());
            assertThat(failed.exit()).as(operation).isEqualTo(KeysCommand.UNAVAILABLE);
            assertThat(failed.stdout()).as(operation).isEmpty();
            assertThat(failed.stderr()).as(operation).contains("unavailable").contains("database is locked");
        }
        // A paginator's pages are the real client's queries, so the paginator itself fails here.
        Run list = run(client(Set.of(), Set.of("query", "queryPaginator")), "list");
        assertThat(list.exit()).isEqualTo(KeysCommand.UNAVAILABLE);
        Run revoke = run(client(Set.of(), Set.of("updateItem")), "revoke", "--name", "anyone");
        assertThat(revoke.exit()).isEqualTo(KeysCommand.UNAVAILABLE);
    }

    @Test
    void aRevocationTheDatabaseDidNotKeepIsNotReported() {
        assertThat(run(dynamo.client(), "create", "--name", "kept-active").exit()).isZero();
        Run revoked = run(client(Set.of("updateItem"), Set.of()), "revoke", "--name", "kept-active");
        assertThat(revoked.exit()).isEqualTo(KeysCommand.WRITE_NOT_CONFIRMED);
        assertThat(revoked.stdout()).isEmpty();
        assertThat(revoked.stderr()).contains("not revoked");
    }

    @Test
    void webhookSecretShowsTheSecretCreatePrintedAndRotationReplacesIt() throws Exception {
        JsonNode created = JSON.readTree(run(dynamo.client(), "create", "--name", "shown-again").stdout());
        Run shown = run(dynamo.client(), "webhook-secret", "--name", "shown-again");
        assertThat(shown.exit()).isZero();
        JsonNode line = JSON.readTree(shown.stdout());
        assertThat(line.fieldNames()).toIterable().containsExactly("name", "webhook_secret", "rotated");
        assertThat(line.path("webhook_secret").asText()).isEqualTo(created.path("webhook_secret").asText());
        assertThat(line.path("rotated").asBoolean()).isFalse();

        Run rotated = run(dynamo.client(), "webhook-secret", "--name", "shown-again", "--rotate");
        assertThat(rotated.exit()).isZero();
        String newSecret = JSON.readTree(rotated.stdout()).path("webhook_secret").asText();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(created.path("webhook_secret").asText());
        assertThat(JSON.readTree(rotated.stdout()).path("rotated").asBoolean()).isTrue();
        assertThat(rotated.stderr()).contains("new secret only");
        assertThat(JSON.readTree(run(dynamo.client(), "webhook-secret", "--name", "shown-again").stdout()).path("webhook_secret").asText())
                .isEqualTo(newSecret);

        Run nobody = run(dynamo.client(), "webhook-secret", "--name", "nobody-here", "--rotate");
        assertThat(nobody.exit()).isEqualTo(KeysCommand.REFUSED);
        assertThat(nobody.stdout()).isEmpty();
        assertThat(nobody.stderr()).contains("no API key named 'nobody-here'");
    }

    @Test
    void usageMistakesSentToTheStackAreRefusedAsTheCommandLineRefusesThem() {
        Run rotateElsewhere = run(dynamo.client(), "list", "--rotate");
        assertThat(rotateElsewhere.exit()).isEqualTo(KeysCommand.REFUSED);
        assertThat(rotateElsewhere.stderr()).startsWith("reelay: --rotate goes with keys webhook-secret").contains("--help");
        assertThat(run(dynamo.client(), "create", "--name", "Bad Name").exit()).isEqualTo(KeysCommand.REFUSED);
        assertThat(run(dynamo.client(), "list", "--table", "Elsewhere").exit()).isEqualTo(KeysCommand.REFUSED);
    }
}
