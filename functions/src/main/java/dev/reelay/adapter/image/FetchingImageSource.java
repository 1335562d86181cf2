package dev.reelay.adapter.image;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.NotFoundException;
import dev.reelay.domain.request.ImageUrlRules;
import dev.reelay.domain.request.UploadReference;
import dev.reelay.domain.webhook.InternalAddresses;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.port.ImageSource;
import dev.reelay.port.BucketReader;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Fetches images from HTTPS URLs, and in local mode also from {@code file:} paths and
 * {@code s3://bucket/key} objects of the local stack; the upload trigger's source also reads the
 * uploaded images themselves. Reads at most one byte past the limit.
 * <p>
 * Before each connection, the first and every redirect, the host is resolved and refused when any
 * of its addresses is internal (loopback, private, link-local, the metadata address): the URL
 * rules checked the URL as written, but a public name may resolve to an internal address.
 * Limit, as for webhooks: the HTTP client resolves the name again to connect, so a DNS answer
 * that changes in between (rebinding) is not caught here.
 */
public final class FetchingImageSource implements ImageSource {
    /** Resolves a host name to its addresses. */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final HttpTransport http;
    private final BucketReader buckets;
    private final boolean allowLocalSources;
    private final Resolver resolver;
    private final String uploadedImagesPrefix;
    /** The bucket of {@code upload://} references, or null when they are not served. */
    private final String directUploadsBucket;
    private final Clock clock;

    public FetchingImageSource(HttpTransport http, BucketReader buckets, boolean allowLocalSources) {
        this(http, buckets, allowLocalSources, (String) null);
    }

    /**
     * For the upload trigger only: objects under {@code uploadedImagesPrefix}
     * ({@code s3://<uploads bucket>/uploads/}) are read from S3 in AWS too. HTTP callers never get
     * this source, so they cannot make Reelay read a bucket.
     */
    public FetchingImageSource(HttpTransport http, BucketReader buckets, boolean allowLocalSources, String uploadedImagesPrefix) {
        this(http, buckets, allowLocalSources, uploadedImagesPrefix, InetAddress::getAllByName);
    }

    public FetchingImageSource(HttpTransport http, BucketReader buckets, boolean allowLocalSources, Resolver resolver) {
        this(http, buckets, allowLocalSources, null, resolver);
    }

    public FetchingImageSource(HttpTransport http, BucketReader buckets, boolean allowLocalSources, String uploadedImagesPrefix,
                               Resolver resolver) {
        this(http, buckets, allowLocalSources, uploadedImagesPrefix, resolver, null, null);
    }

    private FetchingImageSource(HttpTransport http, BucketReader buckets, boolean allowLocalSources, String uploadedImagesPrefix,
                                Resolver resolver, String directUploadsBucket, Clock clock) {
        this.http = http;
        this.buckets = buckets;
        this.allowLocalSources = allowLocalSources;
        this.uploadedImagesPrefix = uploadedImagesPrefix;
        this.resolver = resolver;
        this.directUploadsBucket = directUploadsBucket;
        this.clock = clock;
    }

    /**
     * This source, also resolving {@code upload://<id>} for an owner to the object
     * {@code direct-uploads/<owner>/<id>} of {@code bucket} ({@code POST /v1/uploads}), until the id's expiry.
     */
    public FetchingImageSource withDirectUploads(String bucket, Clock clock) {
        return new FetchingImageSource(http, buckets, allowLocalSources, uploadedImagesPrefix, resolver, bucket, clock);
    }

    /**
     * An {@code upload://} reference is read from the caller's own folder only: another key's id,
     * a missing object and an expired reference are all {@code image_unreachable}, as a missing image
     * is; the size and the content are then checked by the image rules like any image's.
     */
    @Override
    public byte[] fetch(String field, String location, long maxBytes, String ownerKeyId) {
        if (!UploadReference.isReference(location)) {
            return fetch(field, location, maxBytes);
        }
        if (directUploadsBucket == null || ownerKeyId == null) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' cannot be an upload:// reference here.");
        }
        String id = UploadReference.id(field, location);
        if (!clock.instant().isBefore(UploadReference.expiresAt(id))) {
            throw unreachable(field, "the upload expired (an upload is valid for an hour; upload the image again)");
        }
        try {
            return buckets.read(directUploadsBucket, UploadReference.objectKey(ownerKeyId, id), maxBytes);
        } catch (NotFoundException e) {
            throw unreachable(field, "no such upload of this API key (was the image PUT to its upload_url?)");
        }
    }

    @Override
    public byte[] fetch(String field, String location, long maxBytes) {
        String scheme = location.contains(":") ? location.substring(0, location.indexOf(':')).toLowerCase(Locale.ROOT) : "";
        if (scheme.equals("https")) {
            return fromHttps(field, location, maxBytes);
        }
        if (allowLocalSources && scheme.equals("file")) {
            return fromFile(field, location, maxBytes);
        }
        if (scheme.equals("s3") && (allowLocalSources || GenerationRequestParser.isUploadedImage(uploadedImagesPrefix, location))) {
            return fromS3(field, location, maxBytes);
        }
        if (UploadReference.isReference(location)) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' cannot be an upload:// reference here.");
        }
        throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' has an unsupported scheme.");
    }

    @Override
    public void checkPublicAddress(String field, String url) {
        try {
            requirePublic(field, new URI(url));
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' is not a valid URL.");
        }
    }

    private void requirePublic(String field, URI uri) {
        String host = uri.getHost();
        if (host == null) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' has no host.");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw unreachable(field, "unknown host " + host);
        }
        if (Arrays.stream(addresses).anyMatch(InternalAddresses::isInternal)) {
            throw ImageUrlRules.internal(field);
        }
    }

    private byte[] fromHttps(String field, String location, long maxBytes) {
        try {
            HttpTransport.Streamed streamed = http.get(new URI(location), Map.of("Accept", "image/*"), hop -> {
                ImageUrlRules.check(field, hop.toString(), false);
                requirePublic(field, hop);
            });
            try (InputStream body = streamed.body()) {
                if (streamed.status() / 100 != 2) {
                    throw unreachable(field, "the server answered " + streamed.status());
                }
                return body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' is not a valid URL.");
        } catch (IOException e) {
            throw unreachable(field, e.getMessage());
        }
    }

    private byte[] fromFile(String field, String location, long maxBytes) {
        Path path = Path.of(location.startsWith("file://") ? URI.create(location).getPath() : location.substring("file:".length()));
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (IOException e) {
            throw unreachable(field, "cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private byte[] fromS3(String field, String location, long maxBytes) {
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new InvalidRequestException(field, "invalid_image_url", "'" + field + "' must look like s3://bucket/key.");
        }
        try {
            return buckets.read(rest.substring(0, slash), rest.substring(slash + 1), maxBytes);
        } catch (NotFoundException e) {
            throw unreachable(field, "no such object");
        }
    }

    private static InvalidRequestException unreachable(String field, String why) {
        return new InvalidRequestException(field, "image_unreachable", "'" + field + "' could not be fetched: " + why + ".");
    }
}
