package dev.reelay.adapter.dynamodb;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Short forms of the attribute values the stores write most. */
final class Attributes {
    private Attributes() {
    }

    /** A text value. */
    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    /** A whole number. */
    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
