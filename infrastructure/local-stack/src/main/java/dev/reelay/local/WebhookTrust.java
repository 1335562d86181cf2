package dev.reelay.local;

import software.amazon.awssdk.http.TlsTrustManagersProvider;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Optional;

/**
 * Local mode only: a webhook receiver on this machine with a self-signed certificate, trusted
 * through {@code REELAY_WEBHOOK_CA_PEM} in addition to the JVM's own certificate authorities.
 */
final class WebhookTrust {
    static final String VARIABLE = "REELAY_WEBHOOK_CA_PEM";

    private WebhookTrust() {
    }

    static Optional<TlsTrustManagersProvider> fromEnvironment(Map<String, String> env) {
        String pem = env.get(VARIABLE);
        if (pem == null || pem.isBlank()) {
            return Optional.empty();
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            try (InputStream jvm = Files.newInputStream(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
                trusted.load(jvm, null);
            }
            try (InputStream extra = Files.newInputStream(Path.of(pem))) {
                trusted.setCertificateEntry("reelay-local-webhook-receiver",
                        CertificateFactory.getInstance("X.509").generateCertificate(extra));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            return Optional.of(factory::getTrustManagers);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(VARIABLE + " " + pem + " is not a readable PEM certificate", e);
        }
    }
}
