package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.webhook.StandardWebhookSigner;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.WebhookSecrets.CreatedSecret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** One secret per owner, created once even when first uses race, found without creating, and rotated; against a real DynamoDB Local. */
class DynamoDbWebhookSecretsTest {
    private static final String TABLE = "TasksTable";
    private static LocalDynamoDb dynamo;
    private static DynamoDbWebhookSecrets secrets;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
        secrets = new DynamoDbWebhookSecrets(dynamo.client(), TABLE, new SecureRandom());
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @Test
    void theFirstUseCreatesTheSecretAndLaterUsesReadTheSameOne() {
        CreatedSecret first = secrets.ensure("owner-once");
        CreatedSecret second = secrets.ensure("owner-once");

        assertThat(first.created()).isTrue();
        assertThat(first.secret()).startsWith(StandardWebhookSigner.SECRET_PREFIX);
        assertThat(second).isEqualTo(new CreatedSecret(first.secret(), false));
        assertThat(secrets.secretFor("owner-once")).isEqualTo(first.secret());
        assertThat(secrets.secretFor("owner-other")).isNotEqualTo(first.secret());
        assertThat(first.toString()).doesNotContain(first.secret());
        var item = dynamo.client().getItem(get -> get.tableName(TABLE).key(TasksTableSchema.webhookSecretKey("owner-once"))).item();
        assertThat(item.get("pk").s()).isEqualTo("WEBHOOK_SECRET#owner-once");
        assertThat(item.get("sk").s()).isEqualTo("WEBHOOK_SECRET");
    }

    @Test
    void concurrentFirstUsesAgreeOnOneSecretAndOnlyOneCreatedIt() throws Exception {
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<CreatedSecret>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<CreatedSecret> firstUse = () -> {
                    start.await();
                    return secrets.ensure("owner-race");
                };
                results.add(pool.submit(firstUse));
            }
            start.countDown();
            List<CreatedSecret> answers = new ArrayList<>();
            for (Future<CreatedSecret> result : results) {
                answers.add(result.get());
            }

            assertThat(answers).extracting(CreatedSecret::secret).containsOnly(secrets.secretFor("owner-race"));
            assertThat(answers).filteredOn(CreatedSecret::created).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void findReadsTheSecretWithoutEverCreatingOne() {
        assertThat(secrets.find("owner-never")).isEmpty();
        assertThat(secrets.find("owner-never")).as("still none: find creates nothing").isEmpty();
        String made = secrets.ensure("owner-found").secret();
        assertThat(secrets.find("owner-found")).contains(made);
    }

    @Test
    void rotationReplacesTheSecretForEveryLaterReadAndCreatesOneForAnOwnerWithout() {
        String before = secrets.ensure("owner-rotated").secret();
        String rotated = secrets.rotate("owner-rotated");

        assertThat(rotated).startsWith(StandardWebhookSigner.SECRET_PREFIX).isNotEqualTo(before);
        assertThat(secrets.find("owner-rotated")).contains(rotated);
        assertThat(secrets.ensure("owner-rotated")).isEqualTo(new CreatedSecret(rotated, false));
        assertThat(secrets.secretFor("owner-rotated")).as("what deliveries sign with").isEqualTo(rotated);
        assertThat(secrets.rotate("owner-rotated")).isNotEqualTo(rotated);

        String first = secrets.rotate("owner-rotated-first");
        assertThat(secrets.find("owner-rotated-first")).contains(first);
    }
}
