package dev.reelay.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.UnifiedProviderClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one holder of clients in AWS, built once at class initialisation so that SnapStart's
 * snapshot carries them warm. Every handler's no-arg constructor wires itself from {@link #WIRING}.
 */
public final class AwsClients {
    static final ReelayConfig CONFIG = ReelayConfig.fromEnvironment(System.getenv());
    static final SdkHttpClient HTTP = UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(30))
            .build();
    static final DynamoDbClient DYNAMODB = DynamoDbClient.builder().httpClient(HTTP).build();
    static final S3Client S3 = S3Client.builder().httpClient(HTTP).build();
    static final S3Presigner PRESIGNER = S3Presigner.create();
    static final SfnClient SFN = SfnClient.builder().httpClient(HTTP).build();
    /**
     * Read on first use, not at init: only the functions that call the provider need the secret
     * (and the permission to read it), and a SnapStart snapshot must not hold credentials.
     */
    static final Supplier<String> PROVIDER_API_KEY = new Supplier<>() {
        private volatile String key;

        @Override
        public String get() {
            String read = key;
            if (read == null) {
                synchronized (this) {
                    if (key == null) {
                        key = providerApiKey(CONFIG.providerSecretArn());
                    }
                    read = key;
                }
            }
            return read;
        }
    };

    public static final Wiring WIRING = new Wiring(CONFIG, DYNAMODB, S3, PRESIGNER, SFN, new HttpTransport(HTTP),
            new UnifiedProviderClient(new HttpTransport(HTTP), CONFIG.providerBaseUrl(), PROVIDER_API_KEY, Wiring.json()),
            Clock.systemUTC());

    private AwsClients() {
    }

    /** Vendor credentials live in Secrets Manager as {@code {"unified": {"api_key": "..."}}}; never in the environment. */
    private static String providerApiKey(String secretArn) {
        try (SecretsManagerClient secrets = SecretsManagerClient.builder().httpClient(HTTP).build()) {
            String secret = secrets.getSecretValue(get -> get.secretId(secretArn)).secretString();
            JsonNode key = Wiring.json().readTree(secret).path(UnifiedProviderClient.NAME).path("api_key");
            if (!key.isTextual() || key.asText().isBlank()) {
                throw new IllegalStateException("Secret " + secretArn + " has no " + UnifiedProviderClient.NAME + ".api_key");
            }
            return key.asText();
        } catch (IOException e) {
            throw new UncheckedIOException("Secret " + secretArn + " is not JSON", e);
        }
    }
}
