package dev.reelay.port;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** Presigned PUTs into the uploads bucket: a caller without S3 credentials puts an object with them. */
public interface UploadUrls {

    /** A URL that puts exactly one object, with the headers the PUT must carry as signed. */
    record PresignedPut(URI url, Map<String, String> headers) {
    }

    /**
     * A PUT of {@code key} in the uploads bucket, valid for {@code validity}, signed with its content
     * type and length, so that a PUT of another type or size is refused by S3.
     */
    PresignedPut presignPut(String key, String contentType, long contentLength, Duration validity);
}
