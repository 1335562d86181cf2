package dev.reelay.config;

import dev.reelay.application.PollingPolicy;
import dev.reelay.domain.pricing.PriceTable;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything Reelay reads from its environment, read once. A missing required key fails at once,
 * naming the key. {@code stateMachineArn} is optional here because the functions the state
 * machine calls cannot know its ARN (that would be a circular reference); the submit function
 * requires it when it is wired.
 */
public record ReelayConfig(
        String tasksTable,
        String archiveBucket,
        String uploadsBucket,
        Optional<String> stateMachineArn,
        URI providerBaseUrl,
        String providerSecretArn,
        PriceTable prices,
        PollingPolicy polling,
        Duration resultUrlValidity,
        boolean allowLocalImageSources) {

    public static ReelayConfig fromEnvironment(Map<String, String> env) {
        PollingPolicy standard = PollingPolicy.standard();
        return new ReelayConfig(
                required(env, "TASKS_TABLE"),
                required(env, "ARCHIVE_BUCKET"),
                required(env, "UPLOADS_BUCKET"),
                Optional.ofNullable(env.get("STATE_MACHINE_ARN")).filter(arn -> !arn.isBlank()),
                URI.create(required(env, "PROVIDER_BASE_URL")),
                required(env, "PROVIDER_SECRET_ARN"),
                PriceTable.parse(env.getOrDefault("PRICE_TABLE", PriceTable.SEED_004)),
                new PollingPolicy(
                        integer(env, "POLL_MIN_WAIT_SECONDS", standard.minWaitSeconds()),
                        integer(env, "POLL_MAX_WAIT_SECONDS", standard.maxWaitSeconds()),
                        Double.parseDouble(env.getOrDefault("POLL_BACKOFF", Double.toString(standard.backoff()))),
                        Duration.ofSeconds(integer(env, "GENERATION_DEADLINE_SECONDS", (int) standard.deadline().toSeconds())),
                        integer(env, "POLL_MAX_CHECKS", standard.maxChecks())),
                Duration.ofSeconds(integer(env, "RESULT_URL_VALIDITY_SECONDS", 3600)),
                false);
    }

    public String requireStateMachineArn() {
        return stateMachineArn.orElseThrow(() -> new IllegalStateException(
                "Environment variable STATE_MACHINE_ARN is not set; this function starts workflows and needs it."));
    }

    private static String required(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("Environment variable " + key + " is not set.");
        }
        return value;
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        String value = env.get(key);
        try {
            return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Environment variable " + key + " is not a whole number: " + value, e);
        }
    }
}
