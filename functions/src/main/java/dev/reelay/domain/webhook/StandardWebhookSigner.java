package dev.reelay.domain.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs webhook deliveries in the Standard Webhooks form (standardwebhooks.com), so receivers can
 * verify them with that spec's libraries: {@code webhook-signature: v1,<base64 HMAC-SHA256>} over
 * {@code id + "." + timestamp + "." + body}, keyed with the base64-decoded part of a
 * {@code whsec_<base64>} secret. The body is signed as the exact bytes that are sent.
 */
public final class StandardWebhookSigner {
    public static final String SECRET_PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;
    private static final String HMAC = "HmacSHA256";

    /** What to send with one delivery attempt. */
    public record Signature(String messageId, long timestampSeconds, String signature) {
        public Map<String, String> headers() {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("webhook-id", messageId);
            headers.put("webhook-timestamp", Long.toString(timestampSeconds));
            headers.put("webhook-signature", signature);
            return headers;
        }
    }

    public Signature sign(String secret, String messageId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key(secret), HMAC));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return new Signature(messageId, timestampSeconds, "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** One id per task, the same on every attempt, so that receivers can drop duplicates. */
    public static String messageId(String taskId) {
        return "msg_" + taskId;
    }

    public static String newSecret(SecureRandom random) {
        byte[] key = new byte[SECRET_BYTES];
        random.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The HMAC key of a {@code whsec_} secret. Messages never quote the secret. */
    static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("A webhook secret is '" + SECRET_PREFIX + "' followed by base64");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The webhook secret after '" + SECRET_PREFIX + "' is not base64");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("The webhook secret is empty after '" + SECRET_PREFIX + "'");
        }
        return key;
    }
}
