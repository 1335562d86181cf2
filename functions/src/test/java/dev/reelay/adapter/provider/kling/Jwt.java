package dev.reelay.adapter.provider.kling;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Decodes a compact JWT and checks its HS256 signature with a MAC computed here, independently of the signer. */
final class Jwt {
    private Jwt() {
    }

    static JsonNode verifiedClaims(String token, String secretKey) throws Exception {
        assertThat(token).as("compact JWT").matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        String[] parts = token.split("\\.");
        Base64.Decoder decoder = Base64.getUrlDecoder();
        assertThat(new String(decoder.decode(parts[0]), StandardCharsets.UTF_8)).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(decoder.decode(parts[2])).as("HS256 signature").isEqualTo(expected);
        return KlingStub.JSON.readTree(decoder.decode(parts[1]));
    }
}
