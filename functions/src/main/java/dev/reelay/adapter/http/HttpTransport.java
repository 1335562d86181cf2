package dev.reelay.adapter.http;

import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;

/**
 * Plain HTTP calls to the outside world (providers, image URLs) through the same url-connection
 * client the AWS SDK uses, so the Lambda jar carries one HTTP stack.
 */
public final class HttpTransport {
    private final SdkHttpClient http;

    public HttpTransport(SdkHttpClient http) {
        this.http = http;
    }

    /** A finished exchange with its body read in full (for small JSON answers). */
    public record Response(int status, byte[] body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** An exchange whose body is still to be read; the caller closes it. */
    public record Streamed(int status, long contentLength, String location, InputStream body) {
    }

    static final int MAX_REDIRECTS = 5;
    private static final java.util.Set<Integer> REDIRECTS = java.util.Set.of(301, 302, 303, 307, 308);

    public Response send(SdkHttpMethod method, URI uri, Map<String, String> headers, byte[] body) throws IOException {
        Streamed streamed = open(method, uri, headers, body);
        try (InputStream in = streamed.body()) {
            return new Response(streamed.status(), in.readAllBytes());
        }
    }

    /**
     * A GET that follows up to {@value #MAX_REDIRECTS} redirects (the url-connection client follows
     * none), never from HTTPS down to plain HTTP.
     */
    public Streamed get(URI uri, Map<String, String> headers) throws IOException {
        return get(uri, headers, hop -> {
        });
    }

    /** Checks a URL before it is opened; may refuse it by throwing. */
    public interface HopCheck {
        void check(URI hop) throws IOException;
    }

    /** As {@link #get(URI, Map)}, with {@code check} run on the URL and on every redirect before it is followed. */
    public Streamed get(URI uri, Map<String, String> headers, HopCheck check) throws IOException {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            check.check(current);
            Streamed answer = open(SdkHttpMethod.GET, current, headers, null);
            if (!REDIRECTS.contains(answer.status()) || answer.location() == null) {
                return answer;
            }
            answer.body().close();
            URI next = current.resolve(answer.location());
            if ("https".equalsIgnoreCase(current.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                throw new IOException("refused a redirect from HTTPS to " + next.getScheme());
            }
            current = next;
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + uri.getHost());
    }

    public Streamed open(SdkHttpMethod method, URI uri, Map<String, String> headers, byte[] body) throws IOException {
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(method).uri(uri);
        headers.forEach(request::putHeader);
        if (body != null) {
            request.putHeader("Content-Length", Integer.toString(body.length));
            request.contentStreamProvider(() -> new ByteArrayInputStream(body));
        }
        SdkHttpFullRequest built = request.build();
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(built)
                .contentStreamProvider(built.contentStreamProvider().orElse(null)).build()).call();
        long length = response.httpResponse().firstMatchingHeader("Content-Length").map(Long::parseLong).orElse(-1L);
        InputStream in = response.responseBody().map(InputStream.class::cast)
                .orElseGet(() -> AbortableInputStream.create(InputStream.nullInputStream()));
        String location = response.httpResponse().firstMatchingHeader("Location").orElse(null);
        return new Streamed(response.httpResponse().statusCode(), length, location, in);
    }
}
