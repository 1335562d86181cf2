package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code upload://<id>}: an image the caller put through {@code POST /v1/uploads}
 * ({@link dev.reelay.domain.upload.DirectUpload}), accepted by {@code image_start} and {@code image_end}
 * in AWS and locally alike. It names the object {@code direct-uploads/<key name>/<id>} of the uploads
 * bucket, where the key name is always the caller's: the owner is never in the reference, so another
 * key's id names an object that does not exist.
 * <p>
 * The id is {@code upl-<expiry, unix seconds>-<20 random base-36 characters>}. Its expiry can be
 * trusted: the upload URL was signed for exactly that object key, so an id with another expiry names an
 * object nobody could have written.
 */
public final class UploadReference {
    public static final String SCHEME = "upload://";
    /** Where the uploaded objects are, by owner; not under {@code uploads/}, whose objects start generations. */
    public static final String PREFIX = "direct-uploads/";
    private static final Pattern ID = Pattern.compile("upl-([0-9]{1,12})-([0-9a-z]{20})");

    private UploadReference() {
    }

    public static boolean isReference(String location) {
        return location.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * The id of a well-formed {@code upload://} reference.
     *
     * @throws InvalidRequestException {@code invalid_image_url} naming {@code field} otherwise
     */
    public static String id(String field, String reference) {
        String id = reference.substring(SCHEME.length());
        if (!reference.startsWith(SCHEME) || !ID.matcher(id).matches()) {
            throw new InvalidRequestException(field, "invalid_image_url",
                    "'" + field + "' is not a reference that POST /v1/uploads answered (upload://upl-...).");
        }
        return id;
    }

    public static boolean isId(String id) {
        return ID.matcher(id).matches();
    }

    /** When the upload {@code id} (well formed) stops being valid. */
    public static Instant expiresAt(String id) {
        Matcher matcher = ID.matcher(id);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not an upload id: " + id);
        }
        return Instant.ofEpochSecond(Long.parseLong(matcher.group(1)));
    }

    /** The object of upload {@code id} of the key named {@code owner}: {@code direct-uploads/<owner>/<id>}. */
    public static String objectKey(String owner, String id) {
        return PREFIX + owner + "/" + id;
    }
}
