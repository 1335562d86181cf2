package dev.reelay.adapter.dynamodb;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.Map;

/**
 * The tasks table's time to live: an item that may go (an idempotency key, a callback registration)
 * carries its end in {@value TasksTableSchema#TTL_ATTRIBUTE}, in epoch seconds, the table's TTL attribute.
 * DynamoDB deletes such items some time after they expire (usually within days, not at once) and
 * DynamoDB Local never does, so readers treat an expired item as absent wherever that matters.
 */
final class Expiry {
    private Expiry() {
    }

    /** The attribute's value for an item that expires at {@code when}. */
    static AttributeValue at(Instant when) {
        return AttributeValue.fromN(Long.toString(when.getEpochSecond()));
    }

    /** Whether the item carries an expiry that has come; an item without one never expires. */
    static boolean expired(Map<String, AttributeValue> item, Instant now) {
        AttributeValue expiresAt = item.get(TasksTableSchema.TTL_ATTRIBUTE);
        return expiresAt != null && expiresAt.n() != null && Long.parseLong(expiresAt.n()) <= now.getEpochSecond();
    }
}
