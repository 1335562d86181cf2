package dev.reelay.local.sandbox.kling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.sandbox.ApiError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks Kling's bearer JWT: HS256 over {@code header.payload} with the secret key, {@code iss} = the access
 * key, {@code exp} in the future and {@code nbf} (when present, as RFC 7519 allows) in the past. Refusals are
 * 401 with Kling's codes: 1001 empty, 1002 invalid, 1003 not yet valid, 1004 expired, 1000 anything else.
 */
final class KlingJwt {
    /** Kling's own sample signs {@code nbf} = now − 5 s; the same leeway both ways absorbs small clock drift. */
    private static final Duration SKEW = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "Bearer ";

    private final String accessKey;
    private final byte[] secretKey;

    KlingJwt(String accessKey, String secretKey) {
        this.accessKey = accessKey;
        this.secretKey = secretKey.getBytes(StandardCharsets.UTF_8);
    }

    void verify(Optional<String> authorization, Instant now) throws ApiError {
        String header = authorization.map(String::strip).orElse("");
        if (header.isEmpty() || header.equals(BEARER.strip())) {
            throw refused("1001", "Authorization is empty: send Authorization: Bearer <JWT>");
        }
        if (!header.startsWith(BEARER)) {
            throw refused("1002", "Authorization is invalid: expected Bearer <JWT>");
        }
        String[] parts = header.substring(BEARER.length()).strip().split("\\.", -1);
        if (parts.length != 3) {
            throw refused("1002", "Authorization is invalid: the token is not a JWT (header.payload.signature)");
        }
        JsonNode jwtHeader = jsonPart(parts[0], "header");
        JsonNode claims = jsonPart(parts[1], "payload");
        if (!"HS256".equals(jwtHeader.path("alg").asText())) {
            throw refused("1002", "Authorization is invalid: alg must be HS256, got " + jwtHeader.get("alg"));
        }
        if (!accessKey.equals(claims.path("iss").asText(null))) {
            throw refused("1002", "Authorization is invalid: iss is not a known access key");
        }
        if (!MessageDigest.isEqual(hmac(parts[0] + "." + parts[1]), decode(parts[2], "signature"))) {
            throw refused("1002", "Authorization is invalid: the signature does not match the secret key");
        }
        JsonNode exp = claims.get("exp");
        JsonNode nbf = claims.get("nbf");
        if (exp == null || !exp.isNumber() || (nbf != null && !nbf.isNumber())) {
            throw refused("1000", "Authentication failed: exp is required and exp and nbf must be numbers (Unix seconds)");
        }
        if (exp.asLong() <= now.minus(SKEW).getEpochSecond()) {
            throw refused("1004", "Authorization has expired: exp " + exp.asLong() + " is before now (" + now.getEpochSecond() + ")");
        }
        if (nbf != null && nbf.asLong() > now.plus(SKEW).getEpochSecond()) {
            throw refused("1003", "Authorization is not yet valid: nbf " + nbf.asLong() + " is after now (" + now.getEpochSecond() + ")");
        }
    }

    private static JsonNode jsonPart(String part, String name) throws ApiError {
        JsonNode node;
        try {
            node = JSON.readTree(decode(part, name));
        } catch (IOException e) {
            throw refused("1002", "Authorization is invalid: the JWT " + name + " is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw refused("1002", "Authorization is invalid: the JWT " + name + " is not a JSON object");
        }
        return node;
    }

    private static byte[] decode(String part, String name) throws ApiError {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw refused("1002", "Authorization is invalid: the JWT " + name + " is not base64url");
        }
    }

    private byte[] hmac(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secretKey, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is mandatory in every JRE", e);
        }
    }

    private static ApiError refused(String code, String message) {
        return ApiError.vendor(401, code, null, message);
    }
}
