package dev.reelay.port;

/**
 * The origins ({@code scheme://host[:port]}) that presigned URLs point at: where a browser plays an
 * archived video from and where it PUTs an upload. The console's Content-Security-Policy names
 * exactly these (docs/console.md).
 */
public interface StorageOrigins {
    /** The origin of the archive's presigned GETs ({@code result.url}). */
    String archive();

    /** The origin of {@code POST /v1/uploads}' presigned PUTs ({@code upload_url}). */
    String uploads();
}
