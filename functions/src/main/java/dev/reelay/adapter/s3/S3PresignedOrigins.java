package dev.reelay.adapter.s3;

import dev.reelay.port.StorageOrigins;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URI;
import java.time.Duration;

/**
 * The origins of the presigned URLs, taken from URLs presigned by the very presigner that signs the
 * real ones: virtual-hosted in AWS ({@code https://<bucket>.s3.<region>.amazonaws.com}, or
 * {@code s3.amazonaws.com} in us-east-1), path-style on the local S3 ({@code http://127.0.0.1:<port>}).
 * Presigning is computed locally and sends nothing. It happens when asked, not when the function
 * starts: signing resolves credentials, which must not be taken into a SnapStart snapshot
 * (the console asks once, at its first request, and keeps its policy).
 */
public final class S3PresignedOrigins implements StorageOrigins {
    private static final Duration ANY = Duration.ofMinutes(1);
    private final S3Presigner presigner;
    private final String archiveBucket;
    private final S3UploadUrls uploadUrls;

    public S3PresignedOrigins(S3Presigner presigner, String archiveBucket, String uploadsBucket) {
        this.presigner = presigner;
        this.archiveBucket = archiveBucket;
        this.uploadUrls = new S3UploadUrls(presigner, uploadsBucket);
    }

    static String originOf(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    @Override
    public String archive() {
        return originOf(S3Objects.presignGet(presigner, archiveBucket, "videos/origin.mp4", ANY));
    }

    @Override
    public String uploads() {
        return originOf(uploadUrls.presignPut("direct-uploads/origin.png", "image/png", 1, ANY).url());
    }
}
