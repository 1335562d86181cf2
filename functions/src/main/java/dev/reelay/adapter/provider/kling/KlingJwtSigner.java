package dev.reelay.adapter.provider.kling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Signs Kling's bearer JWT (HS256 with the secret key; claims {@code iss} = access key,
 * {@code exp} = now + 30 min, {@code nbf} = now − 5 s) and keeps one token while it has more
 * than {@link #RENEW_BEFORE} left. Thread-safe.
 */
public final class KlingJwtSigner {
    static final Duration LIFETIME = Duration.ofMinutes(30);
    static final Duration RENEW_BEFORE = Duration.ofMinutes(5);
    /** Tolerates a Kling clock slightly behind ours. */
    static final Duration NOT_BEFORE_SLACK = Duration.ofSeconds(5);
    private static final String HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final Clock clock;
    private final ObjectMapper json;
    private Cached cached;

    public KlingJwtSigner(Clock clock, ObjectMapper json) {
        this.clock = clock;
        this.json = json;
    }

    private record Cached(KlingCredentials.AccessKeys keys, String token, long renewAt) {
    }

    /** The cached token, or a new one when it is close to expiry or the keys changed (rotation). */
    public synchronized String token(KlingCredentials.AccessKeys keys) {
        long now = clock.instant().getEpochSecond();
        if (cached == null || !cached.keys().equals(keys) || now >= cached.renewAt()) {
            cached = new Cached(keys, sign(keys, now), now + LIFETIME.minus(RENEW_BEFORE).toSeconds());
        }
        return cached.token();
    }

    /**
     * Forgets {@code rejected} after Kling refused it, so the next {@link #token} signs afresh; a
     * token another thread already replaced is left alone.
     */
    public synchronized void invalidate(String rejected) {
        if (cached != null && cached.token().equals(rejected)) {
            cached = null;
        }
    }

    private String sign(KlingCredentials.AccessKeys keys, long now) {
        ObjectNode claims = json.createObjectNode()
                .put("iss", keys.accessKey())
                .put("exp", now + LIFETIME.toSeconds())
                .put("nbf", now - NOT_BEFORE_SLACK.toSeconds());
        try {
            String unsigned = base64url(HEADER.getBytes(StandardCharsets.UTF_8)) + "." + base64url(json.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(claims));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keys.secretKey().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return unsigned + "." + base64url(mac.doFinal(unsigned.getBytes(StandardCharsets.US_ASCII)));
        } catch (JsonProcessingException | GeneralSecurityException e) {
            // HmacSHA256 is mandatory in every JRE and the claims are plain values: this is a broken runtime.
            throw new IllegalStateException("Could not sign the Kling token: " + e.getClass().getSimpleName(), e);
        }
    }

    private static String base64url(byte[] bytes) {
        return BASE64URL.encodeToString(bytes);
    }
}
