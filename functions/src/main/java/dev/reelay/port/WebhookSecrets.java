package dev.reelay.port;

import java.util.Optional;

/**
 * The webhook signing secret of each API key ({@code whsec_<base64>}), created on first use.
 * The owner is the API key's name; the local stack's default key is {@code default}.
 */
public interface WebhookSecrets {

    /** The secret, and whether this call created it: a created secret is shown to its owner once. */
    record CreatedSecret(String secret, boolean created) {
        @Override
        public String toString() {
            return "CreatedSecret[secret=<hidden>, created=" + created + "]";
        }
    }

    CreatedSecret ensure(String ownerKeyId);

    /** The owner's secret, read consistently; empty when it has none (this never creates one). */
    Optional<String> find(String ownerKeyId);

    /**
     * Replaces the owner's secret with a new one (or creates it) and answers it. Deliveries sign
     * with the secret they read at each attempt, so every attempt from then on, retries of webhooks
     * already under way included, is signed with the new secret only.
     */
    String rotate(String ownerKeyId);

    default String secretFor(String ownerKeyId) {
        return ensure(ownerKeyId).secret();
    }
}
