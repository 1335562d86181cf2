package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.apikey.ApiKeySecrets;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.local.engines.LocalDynamoDb;
import dev.reelay.port.ApiKeys.CreatedApiKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** API keys against a real DynamoDB Local: hashed at rest, found by secret, names never reused, revocation, concurrency caps. */
class DynamoDbApiKeysTest {
    private static final String TABLE = "TasksTable";
    private static LocalDynamoDb dynamo;
    private static DynamoDbApiKeys keys;

    @BeforeAll
    static void start() throws Exception {
        dynamo = LocalDynamoDb.start(null);
        dynamo.createTasksTable(TABLE);
        keys = new DynamoDbApiKeys(dynamo.client(), TABLE, new SecureRandom(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        dynamo.close();
    }

    @Test
    void aKeyIsFoundByItsSecretWhileOnlyItsHashIsStored() {
        CreatedApiKey created = keys.create("team-a", new BigDecimal("25.50"));

        assertThat(created.secret()).matches("rly_[A-Za-z0-9_-]{43}");
        assertThat(created.toString()).doesNotContain(created.secret());
        Optional<ApiKey> found = keys.findBySecret(created.secret());
        assertThat(found).isPresent();
        assertThat(found.get().name()).isEqualTo("team-a");
        assertThat(found.get().active()).isTrue();
        assertThat(found.get().monthlyBudgetUsd()).hasValueSatisfying(b -> assertThat(b).isEqualByComparingTo("25.5"));
        // Nothing in the table holds the secret itself.
        var items = dynamo.client().scan(s -> s.tableName(TABLE)).items();
        assertThat(items).isNotEmpty();
        for (Map<String, AttributeValue> item : items) {
            assertThat(item.toString()).doesNotContain(created.secret());
        }
        var named = dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.apiKeyKey("team-a"))).item();
        assertThat(named.get("secretSha256").s()).isEqualTo(ApiKeySecrets.hash(created.secret()));
    }

    @Test
    void anUnknownOrMalformedSecretFindsNothing() {
        keys.create("team-b", null);
        assertThat(keys.findBySecret(ApiKeySecrets.generate(new SecureRandom()))).isEmpty();
        assertThat(keys.findBySecret("not-a-key")).isEmpty();
        assertThat(keys.findBySecret(null)).isEmpty();
        assertThat(keys.findByName("team-b").orElseThrow().monthlyBudgetUsd()).isEmpty();
    }

    @Test
    void aNameIsNeverReusedEvenAfterRevocation() {
        CreatedApiKey first = keys.create("team-c", null);
        assertThatThrownBy(() -> keys.create("team-c", null)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("team-c");
        assertThat(keys.revoke("team-c")).isTrue();
        assertThat(keys.revoke("team-c")).as("already revoked").isFalse();
        assertThat(keys.revoke("nobody")).isFalse();
        assertThat(keys.findBySecret(first.secret()).orElseThrow().active()).isFalse();
        assertThatThrownBy(() -> keys.create("team-c", null)).isInstanceOf(ConflictException.class);
    }

    @Test
    void namesAndBudgetsAreChecked() {
        assertThatThrownBy(() -> keys.create("Team A", null)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> keys.create("-x", null)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> keys.create("team-d", new BigDecimal("-1"))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> keys.create("team-d", new BigDecimal("0.0000001"))).isInstanceOf(InvalidRequestException.class);
        assertThat(keys.findByName("team-d")).isEmpty();
    }

    @Test
    void aConcurrencyCapIsStoredWithTheKeyAndReadBackEverywhere() {
        CreatedApiKey capped = keys.create("cap-3", new BigDecimal("5"), 3);
        CreatedApiKey uncapped = keys.create("cap-none", null, null);

        assertThat(capped.key().maxConcurrency()).isEqualTo(OptionalInt.of(3));
        assertThat(keys.findByName("cap-3").orElseThrow().maxConcurrency()).isEqualTo(OptionalInt.of(3));
        assertThat(keys.findBySecret(capped.secret()).orElseThrow().maxConcurrency()).isEqualTo(OptionalInt.of(3));
        var named = dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.apiKeyKey("cap-3"))).item();
        assertThat(named.get("maxConcurrency").n()).isEqualTo("3");

        assertThat(uncapped.key().maxConcurrency()).isEmpty();
        assertThat(keys.findBySecret(uncapped.secret()).orElseThrow().maxConcurrency()).isEmpty();
        assertThat(keys.create("cap-two-args", null).key().maxConcurrency()).as("the 2-argument create").isEmpty();
        assertThat(dynamo.client().getItem(g -> g.tableName(TABLE).key(TasksTableSchema.apiKeyKey("cap-none"))).item())
                .doesNotContainKey("maxConcurrency");

        keys.revoke("cap-3");
        var listed = keys.list().stream().filter(k -> k.name().startsWith("cap-")).toList();
        assertThat(listed).extracting(ApiKey::name).containsExactly("cap-3", "cap-none", "cap-two-args");
        assertThat(listed).extracting(ApiKey::maxConcurrency).containsExactly(OptionalInt.of(3), OptionalInt.empty(), OptionalInt.empty());
        assertThat(listed.get(0).active()).as("revocation keeps the cap").isFalse();
    }

    @Test
    void aConcurrencyCapBelowOneIsRefusedAndNothingIsStored() {
        for (int refused : new int[]{0, -1}) {
            assertThatThrownBy(() -> keys.create("cap-bad", null, refused)).as("%d", refused)
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("max_concurrency"));
        }
        assertThat(keys.findByName("cap-bad")).isEmpty();
    }

    @Test
    void listingShowsEveryKeyByName() {
        keys.create("list-z", null);
        keys.create("list-a", BigDecimal.TEN);
        keys.revoke("list-z");

        var listed = keys.list().stream().filter(k -> k.name().startsWith("list-")).toList();
        assertThat(listed).extracting(ApiKey::name).containsExactly("list-a", "list-z");
        assertThat(listed.get(0).monthlyBudgetUsd().orElseThrow().toPlainString()).isEqualTo("10");
        assertThat(listed.get(1).active()).isFalse();
    }
}
