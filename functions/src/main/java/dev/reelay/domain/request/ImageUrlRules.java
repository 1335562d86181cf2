package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.webhook.InternalAddresses;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where an input image may be fetched from: the webhook address rules (HTTPS, at most 2048
 * characters, a host, no credentials, no loopback, private or link-local address), because an
 * image URL makes Reelay, or a vendor on its behalf, open a connection the caller chose. This
 * checks the URL as written; the fetch checks the resolved address again, at every redirect.
 * Local mode also takes {@code file:} paths and {@code s3://} objects of the local stack. Both modes
 * take {@code upload://} references to the caller's own uploads ({@link UploadReference}).
 */
public final class ImageUrlRules {
    public static final int MAX_LENGTH = 2048;

    private ImageUrlRules() {
    }

    public static void check(String field, String location, boolean allowLocalSources) {
        if (location.length() > MAX_LENGTH) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' is longer than " + MAX_LENGTH + " characters.");
        }
        if (UploadReference.isReference(location)) {
            UploadReference.id(field, location); // well formed; the image source resolves it to the caller's own object
            return;
        }
        String lower = location.toLowerCase(Locale.ROOT);
        if (allowLocalSources && (lower.startsWith("file:") || lower.startsWith("s3://"))) {
            return;
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' is not a valid URL.");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' must be an HTTPS URL"
                    + (allowLocalSources ? ", an upload:// reference, a file: path or an s3:// object." : " or an upload:// reference."));
        }
        String host = uri.getHost();
        if (host == null || host.isBlank() || uri.getUserInfo() != null) {
            throw new InvalidRequestException(field, "invalid_image_url",
                    "'" + field + "' must be an absolute URL with a host and no credentials.");
        }
        if (InternalAddresses.isLocalhostName(host) || InternalAddresses.isInternalLiteral(host)) {
            throw internal(field);
        }
    }

    public static InvalidRequestException internal(String field) {
        return new InvalidRequestException(field, "internal_image_url",
                "'" + field + "' points at an internal address; images are fetched from public HTTPS addresses only.");
    }
}
