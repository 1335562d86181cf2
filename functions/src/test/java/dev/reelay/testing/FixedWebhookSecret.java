package dev.reelay.testing;

import dev.reelay.port.WebhookSecrets;

import java.util.Optional;

/** Every owner's webhook secret is the one given; it exists already and is never rotated. */
public record FixedWebhookSecret(String secret) implements WebhookSecrets {
    @Override
    public CreatedSecret ensure(String ownerKeyId) {
        return new CreatedSecret(secret, false);
    }

    @Override
    public Optional<String> find(String ownerKeyId) {
        return Optional.of(secret);
    }

    @Override
    public String rotate(String ownerKeyId) {
        throw new UnsupportedOperationException("a fixed webhook secret is not rotated");
    }

    @Override
    public String toString() {
        return "FixedWebhookSecret[secret=<hidden>]";
    }
}
