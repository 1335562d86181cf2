package dev.reelay.port;

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

    default String secretFor(String ownerKeyId) {
        return ensure(ownerKeyId).secret();
    }
}
