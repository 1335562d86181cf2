package dev.reelay.local.engines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 on 127.0.0.1: s3proxy in-process, signing checked (V2 or V4) against credentials made up
 * for this run, backed by a directory or, without one, by memory. s3proxy sends no event
 * notifications, so this server raises them itself: see {@link #subscribe}.
 */
public final class LocalS3 implements S3Engine, AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Region REGION = Region.US_EAST_1;

    private final S3Proxy proxy;
    private final S3Notifications notifications;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final S3Client client;
    private final S3Presigner presigner;

    private LocalS3(S3Proxy proxy, S3Notifications notifications, URI endpoint, String accessKey, String secretKey,
                    List<ExecutionInterceptor> interceptors) {
        this.proxy = proxy;
        this.notifications = notifications;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        StaticCredentialsProvider credentials =
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        this.client = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(REGION)
                .credentialsProvider(credentials)
                .endpointOverride(endpoint)
                // Over plain HTTP the SDK sends uploads aws-chunked (each chunk signed). s3proxy stores
                // the object but leaves the end of such a body unread and drops the connection, so
                // the client sees "Error writing request body" or "Unexpected end of file" and its
                // retry writes the object again: in a loop of 3,000 small PUTs, hundreds failed or
                // were stored twice (two writes, two S3 events). A plain signed body: none.
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).chunkedEncodingEnabled(false).build())
                .overrideConfiguration(c -> c.executionInterceptors(interceptors))
                .build();
        this.presigner = S3Presigner.builder()
                .region(REGION)
                .credentialsProvider(credentials)
                .endpointOverride(endpoint)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
    }

    /** Starts s3proxy on a free port, storing under {@code storeDirOrNull} (created if missing) or in memory. */
    public static LocalS3 start(Path storeDirOrNull) {
        return start(storeDirOrNull, List.of());
    }

    /**
     * As {@link #start(Path)}, with interceptors on every request of {@link #client()}, e.g. to
     * record who calls what. The presigner sends no requests: it has none.
     */
    public static LocalS3 start(Path storeDirOrNull, List<ExecutionInterceptor> interceptors) {
        S3Notifications notifications = new S3Notifications(REGION.id());
        BlobStore store = new NotifyingBlobStore(
                storeDirOrNull == null ? new TransientNio2BlobStore() : filesystemStore(storeDirOrNull), notifications);
        String accessKey = "local-" + randomHex(8);
        String secretKey = randomHex(20);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                // As the uploads bucket's CORS rule in template.yaml: a page of any origin may PUT to a presigned
                // URL with its Content-Type (the web console does, docs/console.md); nothing else crosses origins.
                .corsRules(new CrossOriginResourceSharing(List.of("*"), List.of("PUT"), List.of("Content-Type"), List.of(), "false"))
                // A graceful stop took about 2 s per close here; a local store has no request worth that wait.
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy not started after " + START_TIMEOUT + ": " + proxy.getState());
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            notifications.close();
            stopAfterFailure(proxy, e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException("s3proxy did not start", e);
        }
        return new LocalS3(proxy, notifications, URI.create("http://127.0.0.1:" + proxy.getPort()), accessKey, secretKey,
                List.copyOf(interceptors));
    }

    private static BlobStore filesystemStore(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the S3 store directory " + dir, e);
        }
        return new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
    }

    private static void stopAfterFailure(S3Proxy proxy, Exception cause) {
        try {
            proxy.stop();
        } catch (Exception stopFailure) {
            cause.addSuppressed(stopFailure);
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String accessKey() {
        return accessKey;
    }

    @Override
    public String secretKey() {
        return secretKey;
    }

    /** A client for this server (path-style, us-east-1); closed with it. */
    @Override
    public S3Client client() {
        return client;
    }

    /** A presigner for this server (path-style, us-east-1); closed with it. */
    @Override
    public S3Presigner presigner() {
        return presigner;
    }

    /**
     * Sends an S3 event to {@code subscription}'s target after each object written that its filter
     * matches, as a bucket notification does in AWS: PUT and POST ({@code ObjectCreated:Put}),
     * copy ({@code ObjectCreated:Copy}) and completed multipart uploads
     * ({@code ObjectCreated:CompleteMultipartUpload}), whichever client wrote the object.
     */
    @Override
    public void subscribe(S3Notifications.Subscription subscription) {
        notifications.subscribe(subscription);
    }

    @Override
    public void close() {
        try {
            client.close();
            presigner.close();
            notifications.close();
        } finally {
            try {
                proxy.stop();
            } catch (Exception e) {
                throw new IllegalStateException("s3proxy did not stop", e);
            }
        }
    }
}
