package dev.reelay.config;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.ProviderClients;
import dev.reelay.adapter.provider.ProviderCredentials;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one holder of clients in AWS, built once at class initialisation so that SnapStart's
 * snapshot carries them warm. Every handler's no-arg constructor wires itself from {@link #WIRING}
 * (through the handlers' {@code AwsFunctions}, which also registers SnapStart's priming: it warms the
 * request paths before the snapshot without sending anything). Building a client resolves no
 * credentials: that happens on its first request, after the restore.
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
     * Read on first use, not at init: only the functions that call a vendor need the secret (and
     * the permission to read it), and a SnapStart snapshot must not hold credentials.
     */
    static final Supplier<ProviderCredentials> PROVIDER_CREDENTIALS = new Supplier<>() {
        private volatile ProviderCredentials credentials;

        @Override
        public ProviderCredentials get() {
            ProviderCredentials read = credentials;
            if (read == null) {
                synchronized (this) {
                    if (credentials == null) {
                        credentials = providerCredentials(CONFIG.providerSecretArn());
                    }
                    read = credentials;
                }
            }
            return read;
        }
    };

    public static final Wiring WIRING = new Wiring(CONFIG, DYNAMODB, S3, PRESIGNER, SFN, new HttpTransport(HTTP),
            ProviderClients.create(CONFIG.providers(), new HttpTransport(HTTP), PROVIDER_CREDENTIALS, Wiring.json(), Clock.systemUTC()),
            Clock.systemUTC(), Wiring.lambdaMetrics());

    private AwsClients() {
    }

    /** Vendor credentials live in Secrets Manager as one JSON object per vendor; never in the environment. */
    private static ProviderCredentials providerCredentials(String secretArn) {
        try (SecretsManagerClient secrets = SecretsManagerClient.builder().httpClient(HTTP).build()) {
            return ProviderCredentials.parse(secrets.getSecretValue(get -> get.secretId(secretArn)).secretString(), secretArn);
        }
    }
}
