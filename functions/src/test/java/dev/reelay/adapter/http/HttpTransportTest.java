package dev.reelay.adapter.http;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GETs follow redirects, which the url-connection client does not do by itself, within a bound. */
class HttpTransportTest {
    private HttpServer server;
    private URI base;
    private final HttpTransport http = new HttpTransport(UrlConnectionHttpClient.create());

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/hop/")) {
                int left = Integer.parseInt(path.substring("/hop/".length()));
                exchange.getResponseHeaders().add("Location", left == 0 ? "/file" : "/hop/" + (left - 1));
                exchange.sendResponseHeaders(302, -1);
            } else {
                byte[] body = "the file".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void checksTheUrlAndEveryRedirectBeforeOpeningIt() throws IOException {
        java.util.List<String> checked = new java.util.ArrayList<>();
        HttpTransport.Streamed answer = http.get(base.resolve("/hop/1"), Map.of(), hop -> checked.add(hop.getPath()));
        answer.body().close();
        assertThat(checked).containsExactly("/hop/1", "/hop/0", "/file");

        assertThatThrownBy(() -> http.get(base.resolve("/hop/2"), Map.of(), hop -> {
            if (hop.getPath().equals("/hop/0")) {
                throw new IOException("refused " + hop.getPath());
            }
        })).isInstanceOf(IOException.class).hasMessage("refused /hop/0");
    }

    @Test
    void followsAChainOfRedirectsToTheFile() throws IOException {
        HttpTransport.Streamed answer = http.get(base.resolve("/hop/3"), Map.of());
        try (InputStream body = answer.body()) {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.contentLength()).isEqualTo(8);
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("the file");
        }
    }

    @Test
    void givesUpOnTooManyRedirects() {
        assertThatThrownBy(() -> http.get(base.resolve("/hop/" + HttpTransport.MAX_REDIRECTS), Map.of()))
                .isInstanceOf(IOException.class).hasMessageContaining("redirects");
    }
}
