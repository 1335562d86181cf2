package dev.reelay.domain.upload;

import dev.reelay.domain.error.InvalidRequestException;

import java.util.Optional;

/**
 * Where an uploaded image sits: {@code uploads/{key-name}/...}. The first folder names the API key
 * that owns the upload; the rest is the caller's own path. Keys are the decoded S3 object keys.
 */
public record UploadKey(String key, String root, String owner, String folder) {
    public static final String PREFIX = "uploads/";
    /** Where batch manifests are put ({@code batches/{key-name}/...jsonl}), with the images they name. */
    public static final String BATCHES = "batches/";
    /** The rule of API key names: lower-case letters, digits and hyphens. */
    private static final String OWNER_RULE = "[a-z0-9][a-z0-9-]{0,62}";

    /**
     * The owner and folder of {@code key}, or empty when the key is not {@code uploads/{name}/{file}}
     * with a well-formed key name.
     */
    public static Optional<UploadKey> parse(String key) {
        return parse(key, PREFIX);
    }

    /** As {@link #parse(String)}, under another root than {@code uploads/}: {@code batches/} for manifests. */
    public static Optional<UploadKey> parse(String key, String root) {
        if (key == null || !key.startsWith(root)) {
            return Optional.empty();
        }
        String rest = key.substring(root.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1 || key.endsWith("/")) {
            return Optional.empty();
        }
        String owner = rest.substring(0, slash);
        if (!owner.matches(OWNER_RULE)) {
            return Optional.empty();
        }
        return Optional.of(new UploadKey(key, root, owner, key.substring(0, key.lastIndexOf('/') + 1)));
    }

    /** The prefix every object of this owner lives under: {@code uploads/{owner}/} (or under its other root). */
    public String ownerPrefix() {
        return root + owner + "/";
    }

    /** The sidecar holding this image's parameters: {@code {image}.json}. */
    public String sidecarKey() {
        return key + ".json";
    }

    /** Where a refused upload's reason is written: {@code {image}.error.json}. */
    public String errorKey() {
        return errorKeyOf(key);
    }

    public static String errorKeyOf(String key) {
        return key + ".error.json";
    }

    /**
     * Resolves a name given for another image (the last frame) against this image's folder, e.g.
     * {@code end.jpg} or {@code shots/end.jpg}. The result stays inside the owner's prefix: no
     * absolute names, no {@code .} or {@code ..} segments, no empty segments.
     */
    public String resolve(String field, String relativeName) {
        if (relativeName.isEmpty() || relativeName.startsWith("/") || relativeName.endsWith("/")) {
            throw notOwn(field);
        }
        for (String segment : relativeName.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw notOwn(field);
            }
        }
        return folder + relativeName;
    }

    /** Whether an {@code s3://bucket/key} names an object under this owner's own prefix, without dot segments. */
    public boolean ownsObject(String bucket, String s3Url) {
        String own = "s3://" + bucket + "/" + ownerPrefix();
        if (!s3Url.startsWith(own) || s3Url.length() == own.length()) {
            return false;
        }
        for (String segment : s3Url.substring(own.length()).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private InvalidRequestException notOwn(String field) {
        return new InvalidRequestException(field, "invalid_image_url", "'" + field
                + "' must name another object of your own " + ownerPrefix() + " prefix: a name relative to "
                + folder + " (such as end.jpg), or s3://<uploads bucket>/" + ownerPrefix() + "...");
    }
}
