package dev.reelay.local.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for {@code 127.0.0.1} and {@code localhost}, made at start by the running JDK's
 * own {@code keytool} (no extra dependency) in a temporary directory, with its PEM for clients to trust.
 */
public final class SelfSignedTls {
    private static final String ALIAS = "reelay-sandbox";
    private static final String PASSWORD_VARIABLE = "REELAY_SANDBOX_STOREPASS";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    private final Path directory;
    private final Path certificatePem;
    private final SSLContext sslContext;

    private SelfSignedTls(Path directory, Path certificatePem, SSLContext sslContext) {
        this.directory = directory;
        this.certificatePem = certificatePem;
        this.sslContext = sslContext;
    }

    public static SelfSignedTls generate() throws IOException {
        Path directory = Files.createTempDirectory("reelay-sandbox-tls-");
        try {
            byte[] secret = new byte[18];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            Path keyStore = directory.resolve("sandbox.p12");
            Path pem = directory.resolve("sandbox-ca.pem");
            keytool(password, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "30", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                    "-ext", "EKU=serverAuth", "-keystore", keyStore.toString(), "-storetype", "PKCS12");
            keytool(password, "-exportcert", "-rfc", "-alias", ALIAS, "-keystore", keyStore.toString(), "-file", pem.toString());
            return new SelfSignedTls(directory, pem, sslContext(keyStore, password.toCharArray()));
        } catch (IOException | RuntimeException e) {
            Sandbox.deleteTree(directory);
            throw e;
        }
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    public Path certificatePem() {
        return certificatePem;
    }

    public void delete() {
        Sandbox.deleteTree(directory);
    }

    /** The password travels in the environment, not the command line other users can list. */
    private static void keytool(String password, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        command.add("-storepass:env");
        command.add(PASSWORD_VARIABLE);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process process = builder.start();
        process.getOutputStream().close(); // a prompt must fail, not wait for an answer
        try (InputStream output = process.getInputStream()) {
            String printed = new String(output.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool " + arguments[0] + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IOException("keytool " + arguments[0] + " failed with exit code " + process.exitValue() + ": " + printed);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while running keytool " + arguments[0]);
        }
    }

    private static SSLContext sslContext(Path keyStorePath, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(keyStorePath)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("Could not load the sandbox's keystore " + keyStorePath, e);
        }
    }
}
