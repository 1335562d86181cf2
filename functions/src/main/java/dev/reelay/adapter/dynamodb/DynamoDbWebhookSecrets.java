package dev.reelay.adapter.dynamodb;

import dev.reelay.domain.webhook.StandardWebhookSigner;
import dev.reelay.port.WebhookSecrets;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static dev.reelay.adapter.dynamodb.TasksTableSchema.ITEM_ABSENT;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.OWNER_KEY_ID;
import static dev.reelay.adapter.dynamodb.TasksTableSchema.webhookSecretKey;

/**
 * Webhook secrets in the tasks table, one item per owner: {@code pk=WEBHOOK_SECRET#<owner>,
 * sk=WEBHOOK_SECRET}. The first use creates it with a conditional put, so concurrent first uses
 * agree on one secret: the losers read the winner's.
 * <p>
 * The secret is stored as is, not hashed: it is a shared HMAC signing key that Reelay itself must
 * use on every delivery, not a password it only has to recognise (API keys, which Reelay only
 * verifies, will be hashed). Reading this item therefore lets one sign webhooks as Reelay; the
 * table's access policy is what protects it.
 */
public final class DynamoDbWebhookSecrets implements WebhookSecrets {
    private final DynamoDbClient dynamo;
    private final String table;
    private final SecureRandom random;

    public DynamoDbWebhookSecrets(DynamoDbClient dynamo, String table, SecureRandom random) {
        this.dynamo = dynamo;
        this.table = table;
        this.random = random;
    }

    @Override
    public CreatedSecret ensure(String ownerKeyId) {
        Optional<String> existing = read(ownerKeyId);
        if (existing.isPresent()) {
            return new CreatedSecret(existing.get(), false);
        }
        String secret = StandardWebhookSigner.newSecret(random);
        Map<String, AttributeValue> item = new HashMap<>(webhookSecretKey(ownerKeyId));
        item.put(OWNER_KEY_ID, AttributeValue.fromS(ownerKeyId));
        item.put("secret", AttributeValue.fromS(secret));
        try {
            dynamo.putItem(put -> put.tableName(table).item(item).conditionExpression(ITEM_ABSENT));
            return new CreatedSecret(secret, true);
        } catch (ConditionalCheckFailedException anotherCallWon) {
            return new CreatedSecret(read(ownerKeyId).orElseThrow(() -> new IllegalStateException(
                    "The webhook secret of " + ownerKeyId + " exists by its put condition but cannot be read")), false);
        }
    }

    @Override
    public Optional<String> find(String ownerKeyId) {
        return read(ownerKeyId);
    }

    /** An unconditional put: the last rotation wins, and a rotation of an owner without a secret creates it. */
    @Override
    public String rotate(String ownerKeyId) {
        String secret = StandardWebhookSigner.newSecret(random);
        Map<String, AttributeValue> item = new HashMap<>(webhookSecretKey(ownerKeyId));
        item.put(OWNER_KEY_ID, AttributeValue.fromS(ownerKeyId));
        item.put("secret", AttributeValue.fromS(secret));
        dynamo.putItem(put -> put.tableName(table).item(item));
        return secret;
    }

    private Optional<String> read(String ownerKeyId) {
        var item = dynamo.getItem(get -> get.tableName(table).key(webhookSecretKey(ownerKeyId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item.get("secret").s());
    }
}
