package dev.reelay.adapter.webhook;

import com.sun.net.httpserver.HttpServer;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.WebhookSender.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Delivery against a real HTTP server on 127.0.0.1, and the refusals that must not reach any server. */
class HttpWebhookSenderTest {
    private static final Map<String, String> SIGNED = Map.of("webhook-id", "msg_task-1", "webhook-timestamp", "1800000000",
            "webhook-signature", "v1,abc=");
    private static final byte[] BODY = "{\"id\":\"task-1\"}".getBytes(StandardCharsets.UTF_8);

    private record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {
    }

    private HttpServer server;
    private int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpTransport transport = new HttpTransport(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(HttpWebhookSender.TIMEOUT_SECONDS))
            .socketTimeout(Duration.ofMillis(500)).build());

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            received.add(new Received(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()),
                    exchange.getRequestBody().readAllBytes()));
            switch (path) {
                case "/ok" -> exchange.sendResponseHeaders(204, -1);
                case "/redirect" -> {
                    exchange.getResponseHeaders().add("Location", "/ok");
                    exchange.sendResponseHeaders(302, -1);
                }
                case "/slow" -> {
                    sleep(1500);
                    exchange.sendResponseHeaders(204, -1);
                }
                default -> {
                    byte[] answer = "broken".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(500, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            }
            exchange.close();
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpWebhookSender sender(boolean allowLocal) {
        return new HttpWebhookSender(transport, new WebhookUrlRules(allowLocal));
    }

    private URI local(String host, String path) {
        return URI.create("http://" + host + ":" + port + path);
    }

    @Test
    void postsTheSignedBodyAndA2xxIsDelivered() {
        Result result = sender(true).send(local("127.0.0.1", "/ok"), SIGNED, BODY);

        assertThat(result).isEqualTo(Result.delivered(204));
        assertThat(received).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.body()).isEqualTo(BODY);
            assertThat(request.headers()).containsEntry("Content-type", List.of("application/json"))
                    .containsEntry("User-agent", List.of("Reelay-Webhooks/1"))
                    .containsEntry("Webhook-id", List.of("msg_task-1"))
                    .containsEntry("Webhook-timestamp", List.of("1800000000"))
                    .containsEntry("Webhook-signature", List.of("v1,abc="));
        });
    }

    @Test
    void localhostByNameIsALocalReceiverToo() {
        assertThat(sender(true).send(local("localhost", "/ok"), SIGNED, BODY).delivered()).isTrue();
    }

    @Test
    void anErrorStatusIsNotDelivered() {
        Result result = sender(true).send(local("127.0.0.1", "/fail"), SIGNED, BODY);

        assertThat(result.delivered()).isFalse();
        assertThat(result.status()).isEqualTo(500);
        assertThat(result.describe()).isEqualTo("500");
    }

    @Test
    void aRedirectIsNotFollowedAndNotDelivered() {
        Result result = sender(true).send(local("127.0.0.1", "/redirect"), SIGNED, BODY);

        assertThat(result).isEqualTo(Result.refused(302, "redirect not followed"));
        assertThat(received).extracting(Received::path).containsExactly("/redirect");
    }

    @Test
    void aReceiverSlowerThanTheSocketTimeoutIsNotDelivered() {
        Result result = sender(true).send(local("127.0.0.1", "/slow"), SIGNED, BODY);

        assertThat(result.delivered()).isFalse();
        assertThat(result.status()).isZero();
        assertThat(result.problem()).containsIgnoringCase("timed out");
    }

    @Test
    void withoutTheLocalSettingLoopbackIsRefusedBeforeAnyRequest() {
        assertThat(sender(false).send(local("127.0.0.1", "/ok"), SIGNED, BODY)).isEqualTo(Result.noAnswer("internal address"));
        assertThat(sender(false).send(local("localhost", "/ok"), SIGNED, BODY)).isEqualTo(Result.noAnswer("internal address"));
        assertThat(sender(false).send(local("[::1]", "/ok"), SIGNED, BODY).problem()).isEqualTo("internal address");
        assertThat(received).isEmpty();
    }

    @Test
    void aPublicNameThatResolvesInternallyIsRefusedEvenWhenOnlyOneAddressIs() {
        Map<String, String> dns = Map.of(
                "metadata.example.com", "169.254.169.254",
                "private.example.com", "10.0.0.7",
                "mixed.example.com", "93.184.215.14,192.168.1.10",
                "mapped.example.com", "::ffff:127.0.0.1",
                "v6.example.com", "fd12:3456::1");
        HttpWebhookSender.Resolver resolver = host -> {
            String[] literals = dns.get(host).split(",");
            InetAddress[] addresses = new InetAddress[literals.length];
            for (int i = 0; i < literals.length; i++) {
                addresses[i] = InetAddress.getByName(literals[i]);
            }
            return addresses;
        };
        for (boolean allowLocal : new boolean[]{false, true}) {
            HttpWebhookSender sender = new HttpWebhookSender(transport, new WebhookUrlRules(allowLocal), resolver);
            for (String host : dns.keySet()) {
                assertThat(sender.send(URI.create("https://" + host + "/hook"), SIGNED, BODY))
                        .as(host + (allowLocal ? " (local receivers allowed)" : ""))
                        .isEqualTo(Result.noAnswer("internal address"));
            }
        }
        assertThat(received).isEmpty();
    }

    @Test
    void localModeLetsOnlyLocalhostNamesAndLoopbackLiteralsThrough() {
        HttpWebhookSender rebinding = new HttpWebhookSender(transport, new WebhookUrlRules(true),
                host -> new InetAddress[]{InetAddress.getLoopbackAddress()});

        assertThat(rebinding.send(local("hooks.example.com", "/ok"), SIGNED, BODY).problem()).isEqualTo("internal address");
        assertThat(received).isEmpty();
    }

    @Test
    void anUnknownHostIsAFailedAttemptNotAnException() {
        HttpWebhookSender sender = new HttpWebhookSender(transport, WebhookUrlRules.STRICT, host -> {
            throw new UnknownHostException(host);
        });

        assertThat(sender.send(URI.create("https://nowhere.example.com/hook"), SIGNED, BODY))
                .isEqualTo(Result.noAnswer("unknown host nowhere.example.com"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
