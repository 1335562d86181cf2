package dev.reelay.domain.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;

/**
 * A receiver's verification, written from the Standard Webhooks spec and sharing no code with
 * {@link StandardWebhookSigner}: the signature header is a space-separated list of
 * {@code v1,<base64>}; any one matching, compared in constant time, within 5 minutes, verifies.
 */
public final class StandardWebhooksVerifier {
    private static final long TOLERANCE_SECONDS = 300;

    private StandardWebhooksVerifier() {
    }

    public static boolean verifies(String secret, Map<String, String> headers, byte[] body, long nowSeconds) {
        String id = headers.get("webhook-id");
        String timestamp = headers.get("webhook-timestamp");
        String signatures = headers.get("webhook-signature");
        if (id == null || timestamp == null || signatures == null
                || Math.abs(nowSeconds - Long.parseLong(timestamp)) > TOLERANCE_SECONDS) {
            return false;
        }
        byte[] expected = hmac(secret, id, timestamp, body);
        for (String versioned : signatures.split(" ")) {
            String[] parts = versioned.split(",", 2);
            if (parts.length == 2 && parts[0].equals("v1")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
                return true;
            }
        }
        return false;
    }

    /** HMAC-SHA256 of {@code id.timestamp.body} keyed with the base64 part of {@code whsec_...}. */
    public static byte[] hmac(String secret, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
            byte[] content = new byte[prefix.length + body.length];
            System.arraycopy(prefix, 0, content, 0, prefix.length);
            System.arraycopy(body, 0, content, prefix.length, body.length);
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
