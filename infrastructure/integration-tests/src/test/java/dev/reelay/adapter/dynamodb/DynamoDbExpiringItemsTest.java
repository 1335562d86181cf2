package dev.reelay.adapter.dynamodb;

import dev.reelay.testing.MutableClock;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.IdempotencyKeys.Claim;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The items that expire, idempotency keys and callback registrations, against DynamoDB Local: both
 * write the table's TTL attribute as epoch seconds, now + their retention; and since DynamoDB deletes
 * expired items late (DynamoDB Local: never), an expired item counts as absent where it matters.
 */
class DynamoDbExpiringItemsTest {
    private static final String TABLE = "TasksTable";
    private static LocalDynamoDb dynamo;
    private final Instant start = Instant.parse("2026-11-23T10:00:00Z");
    private final MutableClock clock = new MutableClock(start);

    @BeforeAll
    static void startDynamoDbLocal() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @Test
    void theTasksTableHasTimeToLiveOnTheAttributeBothWrite() {
        var ttl = dynamo.client().describeTimeToLive(d -> d.tableName(TABLE)).timeToLiveDescription();
        assertThat(ttl.attributeName()).isEqualTo(TasksTableSchema.TTL_ATTRIBUTE).isEqualTo("expiresAt");
        assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);
        dynamo.createTasksTable(TABLE); // reusing the table (the launcher's state dir) keeps its TTL
        assertThat(dynamo.client().describeTimeToLive(d -> d.tableName(TABLE)).timeToLiveDescription().attributeName())
                .isEqualTo(TasksTableSchema.TTL_ATTRIBUTE);
    }

    @Test
    void anIdempotencyKeyExpiresADayAfterItsClaimAndCanThenBeClaimedAnew() {
        DynamoDbIdempotencyKeys keys = new DynamoDbIdempotencyKeys(dynamo.client(), TABLE, clock);

        Claim first = keys.claim("owner-ttl", "key-1", "hash-a", "task-first");
        assertThat(first).isEqualTo(new Claim("task-first", "hash-a", true));
        assertThat(expiresAt(Map.of("pk", AttributeValue.fromS("IDEMPOTENCY#owner-ttl#key-1"), "sk", AttributeValue.fromS("IDEMPOTENCY"))))
                .isEqualTo(start.plus(Duration.ofDays(1)).getEpochSecond());

        clock.advance(Duration.ofDays(1).minusSeconds(1));
        assertThat(keys.claim("owner-ttl", "key-1", "hash-b", "task-second"))
                .as("still held a second before it expires").isEqualTo(new Claim("task-first", "hash-a", false));

        clock.advance(Duration.ofSeconds(1));
        assertThat(keys.claim("owner-ttl", "key-1", "hash-b", "task-second"))
                .as("expired, though still in the table: claimed anew").isEqualTo(new Claim("task-second", "hash-b", true));
        assertThat(expiresAt(Map.of("pk", AttributeValue.fromS("IDEMPOTENCY#owner-ttl#key-1"), "sk", AttributeValue.fromS("IDEMPOTENCY"))))
                .isEqualTo(start.plus(Duration.ofDays(2)).getEpochSecond());
        assertThat(keys.claim("owner-ttl", "key-1", "hash-c", "task-third")).isEqualTo(new Claim("task-second", "hash-b", false));
    }

    @Test
    void aCallbackRegistrationExpiresAWeekAfterItsCreationAndIsThenNotFound() {
        dynamo.client().putItem(p -> p.tableName(TABLE).item(TasksTableSchema.taskKey("task-callback-ttl")));
        DynamoDbProviderCallbacks callbacks = new DynamoDbProviderCallbacks(dynamo.client(), TABLE, new SecureRandom(), clock);

        String secret = callbacks.secretFor("task-callback-ttl");
        assertThat(expiresAt(Map.of("pk", AttributeValue.fromS("CALLBACK#" + secret), "sk", AttributeValue.fromS("CALLBACK"))))
                .isEqualTo(start.plus(Duration.ofDays(7)).getEpochSecond());
        assertThat(callbacks.find(secret)).hasValueSatisfying(found -> assertThat(found.taskId()).isEqualTo("task-callback-ttl"));

        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(callbacks.find(secret)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(callbacks.find(secret)).as("expired, though still in the table").isEmpty();
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS("CALLBACK#" + secret),
                "sk", AttributeValue.fromS("CALLBACK")))).hasItem()).as("DynamoDB Local keeps expired items").isTrue();
    }

    private long expiresAt(Map<String, AttributeValue> key) {
        return Long.parseLong(dynamo.client().getItem(g -> g.tableName(TABLE).key(key).consistentRead(true)).item()
                .get(TasksTableSchema.TTL_ATTRIBUTE).n());
    }
}
