package dev.reelay.application;

import dev.reelay.port.StorageOrigins;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console's files (docs/console.md), read from the jar's {@code console/} folder, and the
 * Content-Security-Policy they are served with. A file name is one plain name with a known extension,
 * so nothing outside that folder can be named.
 */
public final class ServeConsole {
    /** The page {@code GET /} answers. */
    public static final String INDEX = "index.html";
    private static final String FOLDER = "/console/";
    private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|mjs|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");

    /** One file: its bytes, its content type and a strong validator of its content. */
    public record Asset(String name, String contentType, byte[] body, String etag) {
    }

    /** Only the files found: a miss is not remembered, so that asking for made-up names cannot grow it. */
    private final Map<String, Asset> read = new ConcurrentHashMap<>();
    private final StorageOrigins origins;
    private volatile String contentSecurityPolicy;

    public ServeConsole(StorageOrigins origins) {
        this.origins = origins;
    }

    /** Made at the first request: the origins come from presigning, which needs the function's credentials. */
    public String contentSecurityPolicy() {
        if (contentSecurityPolicy == null) {
            // media-src: <video> plays result.url from the archive bucket; connect-src: the API itself, and the
            // presigned PUT of an upload. Nothing else is allowed: no inline script or style, no frames, no forms.
            contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
                    + "media-src " + origins.archive() + "; connect-src 'self' " + origins.uploads() + "; "
                    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        }
        return contentSecurityPolicy;
    }

    /** The file of that name, or empty when there is none (or the name is not a plain file name). */
    public Optional<Asset> asset(String name) {
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(read.computeIfAbsent(name, file -> load(file).orElse(null)));
    }

    private static Optional<Asset> load(String name) {
        try (InputStream in = ServeConsole.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] body = in.readAllBytes();
            String extension = name.substring(name.lastIndexOf('.') + 1);
            return Optional.of(new Asset(name, TYPES.get(extension), body, "\"" + sha256(body) + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the console's " + name + " from the jar", e);
        }
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
