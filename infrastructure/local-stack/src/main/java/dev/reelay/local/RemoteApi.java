package dev.reelay.local;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A plain client of any Reelay API: a running {@code ./reelay serve} or a deployed stack. The
 * launcher's own {@code generate} uses it too, against the stack it started. A connection that
 * cannot be made or times out is {@link Unavailable} (exit code 3).
 */
final class RemoteApi {
    private final String base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** @param endpoint the API's base URL (a stage path such as {@code /prod} is kept) */
    RemoteApi(URI endpoint, String apiKey) {
        String text = endpoint.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.apiKey = apiKey;
    }

    /** One answer of the API. */
    record Answer(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    Answer get(String path, Map<String, String> query) {
        String filtered = query.entrySet().stream().filter(entry -> entry.getValue() != null)
                .map(entry -> entry.getKey() + "=" + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return get(filtered.isEmpty() ? path : path + "?" + filtered);
    }

    Answer get(String path) {
        return send(request(path).GET().build());
    }

    Answer post(String path, String jsonBody) {
        return post(path, jsonBody, Map.of());
    }

    /** A POST with more headers, such as {@code Idempotency-Key}. */
    Answer post(String path, String jsonBody, Map<String, String> headers) {
        HttpRequest.Builder post = request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody));
        headers.forEach(post::header);
        return send(post.build());
    }

    /**
     * PUTs a file to a presigned upload URL (no API key goes with it: the URL is the credential), with the
     * headers the upload's answer asks for; the answer is S3's.
     */
    Answer put(URI url, Map<String, String> headers, Path file) throws IOException {
        HttpRequest.Builder put = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5))
                .PUT(HttpRequest.BodyPublishers.ofFile(file));
        headers.forEach(put::header);
        return send(put.build());
    }

    /** Downloads a result URL (a presigned link: no API key goes with it) to {@code target}. */
    void download(URI url, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        HttpResponse<Path> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(target));
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw new Unavailable("cannot download " + url.getHost() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while downloading", e);
        }
        if (answer.statusCode() != 200) {
            Files.deleteIfExists(target);
            throw new Unavailable("downloading the video answered HTTP " + answer.statusCode(), null);
        }
    }

    private HttpRequest.Builder request(String path) {
        URI uri;
        try {
            uri = URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new Launcher.UsageException("not a usable URL: " + base + path);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(answer.statusCode(), answer.body());
        } catch (IOException e) {
            throw new Unavailable("cannot reach " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while calling " + base, e);
        }
    }

    /** Query parameters in their given order; null values are left out. */
    static Map<String, String> query(String... namesAndValues) {
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            query.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return query;
    }

    /** The endpoint cannot be reached, or the stack did not start: exit code 3. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
