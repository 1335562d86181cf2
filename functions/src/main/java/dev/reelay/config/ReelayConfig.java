package dev.reelay.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.QueuePolicy;
import dev.reelay.adapter.provider.VendorDefinition;
import dev.reelay.adapter.provider.Vendors;
import dev.reelay.domain.pricing.PriceTable;
import dev.reelay.domain.provider.ProviderProfile;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.webhook.WebhookSchedule;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything Reelay reads from its environment, read once. A missing required key fails at once,
 * naming the key. {@code stateMachineArn} is optional here because not every function uses the
 * workflow: those that start, stop or look at executions get it (the template builds it from the
 * machine's fixed name, so no reference is circular), and those that start them require it when
 * they are wired. {@code batchStateMachineArn} likewise, for the functions that start batches;
 * {@code batchPoll} is how long a batch's workflow waits between two looks at its tasks.
 */
public record ReelayConfig(
        String tasksTable,
        String archiveBucket,
        String uploadsBucket,
        Optional<String> stateMachineArn,
        ProviderTable providers,
        String providerSecretArn,
        PollingPolicy polling,
        Duration resultUrlValidity,
        boolean allowLocalImageSources,
        boolean allowLocalWebhooks,
        Optional<URI> callbackBaseUrl,
        WebhookSchedule webhookSchedule,
        QueuePolicy queue,
        Optional<String> batchStateMachineArn,
        Duration batchPoll) {

    public ReelayConfig {
        queue.caps().keySet().stream().filter(name -> providers.profile(name).isEmpty()).findFirst().ifPresent(name -> {
            throw new IllegalStateException("PROVIDER_CONCURRENCY names '" + name + "', which PROVIDER_ENDPOINTS does not enable");
        });
    }

    public static ReelayConfig fromEnvironment(Map<String, String> env) {
        PollingPolicy standard = PollingPolicy.standard();
        return new ReelayConfig(
                required(env, "TASKS_TABLE"),
                required(env, "ARCHIVE_BUCKET"),
                required(env, "UPLOADS_BUCKET"),
                Optional.ofNullable(env.get("STATE_MACHINE_ARN")).filter(arn -> !arn.isBlank()),
                providers(required(env, "PROVIDER_ENDPOINTS"), env.get("PROVIDER_PRICES")),
                required(env, "PROVIDER_SECRET_ARN"),
                new PollingPolicy(
                        integer(env, "POLL_MIN_WAIT_SECONDS", standard.minWaitSeconds()),
                        integer(env, "POLL_MAX_WAIT_SECONDS", standard.maxWaitSeconds()),
                        Double.parseDouble(env.getOrDefault("POLL_BACKOFF", Double.toString(standard.backoff()))),
                        Duration.ofSeconds(integer(env, "GENERATION_DEADLINE_SECONDS", (int) standard.deadline().toSeconds())),
                        integer(env, "POLL_MAX_CHECKS", standard.maxChecks())),
                Duration.ofSeconds(integer(env, "RESULT_URL_VALIDITY_SECONDS", 3600)),
                false,
                false,
                Optional.ofNullable(env.get("CALLBACK_BASE_URL")).filter(url -> !url.isBlank()).map(URI::create),
                Optional.ofNullable(env.get("WEBHOOK_RETRY_SCHEDULE")).filter(v -> !v.isBlank())
                        .map(WebhookSchedule::parse).orElse(WebhookSchedule.DEFAULT),
                queuePolicy(env),
                Optional.ofNullable(env.get("BATCH_STATE_MACHINE_ARN")).filter(arn -> !arn.isBlank()),
                Duration.ofSeconds(integer(env, "BATCH_POLL_SECONDS", 30)));
    }

    /** {@code PROVIDER_CONCURRENCY} ({@code kling=5;unified=20}) and the queue's timings (docs/queue.md). */
    static QueuePolicy queuePolicy(Map<String, String> env) {
        Map<String, Integer> caps;
        try {
            caps = QueuePolicy.parseCaps(env.get("PROVIDER_CONCURRENCY"));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Environment variable PROVIDER_CONCURRENCY: " + e.getMessage(), e);
        }
        QueuePolicy standard = QueuePolicy.standard(caps);
        return new QueuePolicy(caps,
                Duration.ofSeconds(integer(env, "QUEUE_MAX_WAIT_SECONDS", (int) standard.maxWait().toSeconds())),
                Duration.ofSeconds(integer(env, "QUEUE_RECHECK_SECONDS", (int) standard.recheck().toSeconds())),
                Duration.ofSeconds(integer(env, "PROVIDER_REFUSAL_BACKOFF_SECONDS", (int) standard.refusalBackoff().toSeconds())),
                standard.slotLease());
    }

    public String requireStateMachineArn() {
        return stateMachineArn.orElseThrow(() -> new IllegalStateException(
                "Environment variable STATE_MACHINE_ARN is not set; this function starts workflows and needs it."));
    }

    public String requireBatchStateMachineArn() {
        return batchStateMachineArn.orElseThrow(() -> new IllegalStateException(
                "Environment variable BATCH_STATE_MACHINE_ARN is not set; this function starts batch workflows and needs it."));
    }

    /**
     * The enabled vendors, in order, from {@code unified=https://...;kling=https://...}, each with
     * its known capabilities and default prices, or the prices of {@code PROVIDER_PRICES}, a JSON
     * object such as {@code {"kling": "base=0.084;min_seconds=3;...;1080p/on=2.0"}}.
     */
    public static ProviderTable providers(String endpoints, String pricesJson) {
        Map<String, String> prices;
        try {
            prices = pricesJson == null || pricesJson.isBlank() ? Map.of()
                    : new ObjectMapper().readValue(pricesJson, new TypeReference<Map<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Environment variable PROVIDER_PRICES is not a JSON object of strings", e);
        }
        List<ProviderProfile> profiles = new ArrayList<>();
        for (String entry : endpoints.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] pair = entry.split("=", 2);
            if (pair.length != 2 || !pair[1].trim().matches("https?://\\S+")) {
                throw new IllegalStateException("PROVIDER_ENDPOINTS entry '" + entry + "' is not name=https://base-url");
            }
            String name = pair[0].trim();
            VendorDefinition vendor = Vendors.named(name);
            URI baseUrl = URI.create(pair[1].trim());
            profiles.add(prices.containsKey(name) ? vendor.profile(baseUrl, PriceTable.parse(prices.get(name))) : vendor.profile(baseUrl));
        }
        prices.keySet().stream().filter(name -> profiles.stream().noneMatch(p -> p.name().equals(name))).findFirst()
                .ifPresent(name -> {
                    throw new IllegalStateException("PROVIDER_PRICES names '" + name + "', which PROVIDER_ENDPOINTS does not enable");
                });
        return new ProviderTable(profiles);
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
