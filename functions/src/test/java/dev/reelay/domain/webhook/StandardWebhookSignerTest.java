package dev.reelay.domain.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Standard Webhooks signatures: the spec's published vector, fresh secrets, and what verification refuses. */
class StandardWebhookSignerTest {
    private final StandardWebhookSigner signer = new StandardWebhookSigner();

    // The test vector the Standard Webhooks reference libraries share.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330;
    private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void reproducesTheSpecificationsVectorAndAnIndependentHmac() {
        StandardWebhookSigner.Signature signature = signer.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertThat(signature.signature()).isEqualTo(SPEC_SIGNATURE);
        assertThat(signature.signature()).isEqualTo("v1," + Base64.getEncoder().encodeToString(
                StandardWebhooksVerifier.hmac(SPEC_SECRET, SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_BODY)));
        assertThat(signature.headers()).containsExactly(
                Map.entry("webhook-id", SPEC_ID),
                Map.entry("webhook-timestamp", "1614265330"),
                Map.entry("webhook-signature", SPEC_SIGNATURE));
        assertThat(StandardWebhooksVerifier.verifies(SPEC_SECRET, signature.headers(), SPEC_BODY, SPEC_TIMESTAMP + 60)).isTrue();
    }

    @Test
    void aNewSecretIsWhsecAndThirtyTwoRandomBytesAndSignsVerifiably() {
        SecureRandom random = new SecureRandom();
        String secret = StandardWebhookSigner.newSecret(random);

        assertThat(secret).startsWith("whsec_").isNotEqualTo(StandardWebhookSigner.newSecret(random));
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
        assertThat(StandardWebhookSigner.key(secret)).isEqualTo(Base64.getDecoder().decode(secret.substring(6)));
        byte[] body = "{\"id\":\"task-1\"}".getBytes(StandardCharsets.UTF_8);
        var signature = signer.sign(secret, StandardWebhookSigner.messageId("task-1"), 1_800_000_000L, body);
        assertThat(signature.messageId()).isEqualTo("msg_task-1");
        assertThat(StandardWebhooksVerifier.verifies(secret, signature.headers(), body, 1_800_000_000L)).isTrue();
    }

    @Test
    void verificationFailsForATamperedBodyTimestampOrIdAndForAnotherSecret() {
        var headers = signer.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).headers();
        long now = SPEC_TIMESTAMP;

        assertThat(StandardWebhooksVerifier.verifies(SPEC_SECRET, headers,
                "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), now)).isFalse();
        assertThat(StandardWebhooksVerifier.verifies(SPEC_SECRET, with(headers, "webhook-timestamp", "1614265331"), SPEC_BODY, now)).isFalse();
        assertThat(StandardWebhooksVerifier.verifies(SPEC_SECRET, with(headers, "webhook-id", "msg_other"), SPEC_BODY, now)).isFalse();
        assertThat(StandardWebhooksVerifier.verifies(StandardWebhookSigner.newSecret(new SecureRandom()), headers, SPEC_BODY, now)).isFalse();
        assertThat(StandardWebhooksVerifier.verifies(SPEC_SECRET, headers, SPEC_BODY, now + 3600)).as("stale").isFalse();
    }

    @Test
    void refusesSecretsThatAreNotWhsecBase64WithoutQuotingThem() {
        assertThatThrownBy(() -> signer.sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whsec_").hasMessageNotContaining("MfKQ");
        assertThatThrownBy(() -> signer.sign("whsec_not*base64!", "msg_1", 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not base64").hasMessageNotContaining("not*base64");
        assertThatThrownBy(() -> signer.sign("whsec_", "msg_1", 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> signer.sign(null, "msg_1", 1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> changed = new HashMap<>(headers);
        changed.put(name, value);
        return changed;
    }
}
