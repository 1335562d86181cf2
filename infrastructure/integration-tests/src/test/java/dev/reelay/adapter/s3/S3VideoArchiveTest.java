package dev.reelay.adapter.s3;

import dev.reelay.testing.Mp4Bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.local.engines.LocalS3;
import dev.reelay.port.ArchivedVideo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** {@link S3VideoArchive} against a real S3 implementation: s3proxy with its in-memory store. */
class S3VideoArchiveTest {
    private static final String ARCHIVE = "reelay-archive";
    private static final int MIB = 1024 * 1024;

    private static LocalS3 localS3;
    private static S3Client s3;
    private static S3VideoArchive archive;

    @BeforeAll
    static void startS3() {
        localS3 = LocalS3.start(null);
        localS3.createBucket(ARCHIVE);
        localS3.createBucket(ARCHIVE); // idempotent
        s3 = localS3.client();
        archive = new S3VideoArchive(s3, localS3.presigner(), ARCHIVE);
    }

    @AfterAll
    static void stopS3() {
        if (localS3 != null) {
            localS3.close();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static void assertNothingLeftAt(String key) {
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket(ARCHIVE).key(key))).isInstanceOf(NoSuchKeyException.class);
        assertThat(s3.listMultipartUploads(b -> b.bucket(ARCHIVE).prefix(key)).uploads()).isEmpty();
    }

    private static HttpResponse<byte[]> httpGet(URI url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    // --- archive ---

    /** The archive over a client that calls {@code beforeCall} with each method's name before running it. */
    private static S3VideoArchive archiveOver(Consumer<String> beforeCall) {
        S3Client spied = (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(),
                new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
                    beforeCall.accept(method.getName());
                    try {
                        return method.invoke(s3, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new S3VideoArchive(spied, localS3.presigner(), ARCHIVE);
    }

    /** Counts UploadPart calls: the copy that adds the digest leaves a single-part ETag, which hides the count. */
    private static S3VideoArchive countingParts(AtomicInteger parts) {
        return archiveOver(method -> {
            if (method.equals("uploadPart")) {
                parts.incrementAndGet();
            }
        });
    }

    @Test
    void archivesA20MibVideoInThreePartsAndAnswersItsDigest() throws Exception {
        byte[] video = Mp4Bytes.mp4(20 * MIB, 5, "vide");
        AtomicInteger parts = new AtomicInteger();

        ArchivedVideo archived = countingParts(parts).archive("task-big", new ByteArrayInputStream(video), video.length);

        assertThat(archived).isEqualTo(new ArchivedVideo("videos/task-big.mp4", sha256(video), video.length, 5.0));
        assertThat(parts).hasValue(3);
        HeadObjectResponse head = s3.headObject(b -> b.bucket(ARCHIVE).key("videos/task-big.mp4"));
        assertThat(head.contentType()).isEqualTo("video/mp4");
        assertThat(head.contentLength()).isEqualTo(video.length);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(ARCHIVE).key("videos/task-big.mp4")).asByteArray()).isEqualTo(video);
    }

    @Test
    void archivesASmallVideoAsOnePartWithoutAnnouncedLength() throws Exception {
        byte[] video = Mp4Bytes.mp4(64 * 1024, 3, "vide");
        AtomicInteger parts = new AtomicInteger();

        ArchivedVideo archived = countingParts(parts).archive("task-small", new ByteArrayInputStream(video), -1);

        assertThat(archived).isEqualTo(new ArchivedVideo("videos/task-small.mp4", sha256(video), video.length, 3.0));
        assertThat(parts).hasValue(1);
    }

    @Test
    void archivingAgainOverwritesTheSameKey() throws Exception {
        byte[] first = Mp4Bytes.mp4(10_000, 2, "vide");
        byte[] second = Mp4Bytes.mp4(20_000, 4, "vide");

        archive.archive("task-retry", new ByteArrayInputStream(first), first.length);
        ArchivedVideo archived = archive.archive("task-retry", new ByteArrayInputStream(second), second.length);

        assertThat(archived.sha256Hex()).isEqualTo(sha256(second));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(ARCHIVE).key("videos/task-retry.mp4")).asByteArray()).isEqualTo(second);
    }

    @Test
    void archivesAVideoRenderedByJcodec(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("render.mp4");
        AWTSequenceEncoder encoder = AWTSequenceEncoder.createSequenceEncoder(file.toFile(), 24);
        for (int frame = 0; frame < 12; frame++) {
            encoder.encodeImage(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB));
        }
        encoder.finish();
        byte[] video = Files.readAllBytes(file);

        ArchivedVideo archived = archive.archive("task-jcodec", new ByteArrayInputStream(video), video.length);

        assertThat(archived.durationSeconds()).isCloseTo(0.5, within(0.01));
        assertThat(archived.sha256Hex()).isEqualTo(sha256(video));
    }

    @Test
    void aStreamShorterThanAnnouncedIsATransientFailureThatLeavesNothingBehind() {
        byte[] video = Mp4Bytes.mp4(10 * MIB, 5, "vide");

        assertThatThrownBy(() -> archive.archive("task-short", new ByteArrayInputStream(video), video.length + 1000L))
                .isInstanceOfSatisfying(TransientFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo("video_truncated");
                    assertThat(e.getMessage()).contains(String.valueOf(video.length), String.valueOf(video.length + 1000L));
                });
        assertNothingLeftAt("videos/task-short.mp4");
    }

    @Test
    void aStreamThatBreaksIsATransientFailureThatLeavesNothingBehind() {
        byte[] video = Mp4Bytes.mp4(12 * MIB, 5, "vide");
        InputStream breaking = new FilterInputStream(new ByteArrayInputStream(video, 0, 9 * MIB)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    throw new IOException("connection reset");
                }
                return n;
            }
        };

        assertThatThrownBy(() -> archive.archive("task-broken", breaking, video.length))
                .isInstanceOfSatisfying(TransientFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo("video_download_interrupted");
                    assertThat(e).hasRootCauseMessage("connection reset");
                });
        assertNothingLeftAt("videos/task-broken.mp4");
    }

    @Test
    void garbageIsAPermanentFailureThatLeavesNothingBehind() {
        byte[] garbage = new byte[3 * MIB];
        new Random(9).nextBytes(garbage);

        assertThatThrownBy(() -> archive.archive("task-garbage", new ByteArrayInputStream(garbage), garbage.length))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("invalid_video"));
        assertNothingLeftAt("videos/task-garbage.mp4");
    }

    @Test
    void anMp4WithoutVideoOrAnEmptyStreamIsAPermanentFailure() {
        byte[] audioOnly = Mp4Bytes.mp4(50_000, 5, "soun");

        assertThatThrownBy(() -> archive.archive("task-audio", new ByteArrayInputStream(audioOnly), audioOnly.length))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_video");
                    assertThat(e.getMessage()).contains("no video track");
                });
        assertThatThrownBy(() -> archive.archive("task-empty", InputStream.nullInputStream(), -1))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> assertThat(e.code()).isEqualTo("invalid_video"));
        assertNothingLeftAt("videos/task-audio.mp4");
        assertNothingLeftAt("videos/task-empty.mp4");
    }

    @Test
    void aFailedAbortIsReportedWithTheOriginalFailure() {
        byte[] garbage = new byte[1000];
        S3VideoArchive abortFails = archiveOver(method -> {
            if (method.equals("abortMultipartUpload")) {
                throw SdkClientException.create("network down");
            }
        });

        assertThatThrownBy(() -> abortFails.archive("task-abort", new ByteArrayInputStream(garbage), garbage.length))
                .isInstanceOfSatisfying(PermanentFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_video");
                    assertThat(e.getSuppressed()).singleElement().hasToString(
                            SdkClientException.class.getName() + ": network down");
                });
        // The upload is left behind, which also shows that this store lists pending uploads.
        MultipartUpload left = s3.listMultipartUploads(b -> b.bucket(ARCHIVE).prefix("videos/task-abort.mp4"))
                .uploads().get(0);
        s3.abortMultipartUpload(b -> b.bucket(ARCHIVE).key(left.key()).uploadId(left.uploadId()));
    }

    // --- URL ---

    @Test
    void presignedUrlDownloadsTheArchivedBytesOverPlainHttp() throws Exception {
        byte[] video = Mp4Bytes.mp4(30_000, 1, "vide");
        ArchivedVideo archived = archive.archive("task-url", new ByteArrayInputStream(video), video.length);

        URI url = archive.presignedUrl(archived.key(), Duration.ofMinutes(5));
        HttpResponse<byte[]> response = httpGet(url);

        assertThat(url.getPath()).isEqualTo("/" + ARCHIVE + "/videos/task-url.mp4");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(video);
    }
}
