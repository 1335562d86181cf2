package dev.reelay.port;

/** Fetches the bytes of an image the caller pointed us at (an HTTPS URL, or a local source in local mode). */
public interface ImageSource {

    /**
     * Reads at most {@code maxBytes + 1} bytes, so the caller can tell an image that is too large.
     *
     * @throws dev.reelay.domain.error.InvalidRequestException (naming {@code field}) when the image
     *         cannot be fetched: unreachable, not found, refused
     */
    byte[] fetch(String field, String location, long maxBytes);

    /**
     * As {@link #fetch(String, String, long)}, for the key named {@code ownerKeyId}: an
     * {@code upload://} reference ({@link dev.reelay.domain.request.UploadReference}) is that key's own
     * upload, and nobody else's. A source that knows no uploads ignores the owner.
     */
    default byte[] fetch(String field, String location, long maxBytes, String ownerKeyId) {
        return fetch(field, location, maxBytes);
    }

    /**
     * Checks that an image URL a vendor will fetch for us (a subject's pictures) resolves to public
     * addresses only, as the URLs Reelay fetches itself are checked when fetched.
     *
     * @throws dev.reelay.domain.error.InvalidRequestException naming {@code field} otherwise
     */
    void checkPublicAddress(String field, String url);
}
