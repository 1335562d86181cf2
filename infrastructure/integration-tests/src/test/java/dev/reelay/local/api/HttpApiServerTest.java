package dev.reelay.local.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local API Gateway's edges, with a stand-in authorizer and route: what is answered before the
 * authorizer (413, API Gateway's 401), what the authorizer's answer becomes, and its cache.
 */
class HttpApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger authorizerCalls = new AtomicInteger();
    private final List<APIGatewayV2HTTPEvent> served = new CopyOnWriteArrayList<>();
    private HttpApiServer api;

    @BeforeEach
    void start() throws Exception {
        HttpApiServer.Authorizer authorizer = new HttpApiServer.Authorizer("Authorizer", (event, context) -> {
            authorizerCalls.incrementAndGet();
            String header = event.getHeaders().get("authorization");
            if (header.equals("Bearer deny")) {
                return SimpleIAMPolicyResponse.builder().withIsAuthorized(false).withContext(Map.of()).build();
            }
            return SimpleIAMPolicyResponse.builder().withIsAuthorized(true)
                    .withContext(header.equals("Bearer good") ? Map.of("keyName", "team-a") : Map.of("authError", "invalid_api_key")).build();
        }, Duration.ofMinutes(1));
        api = HttpApiServer.start(0, authorizer, List.of(new HttpApiServer.Route("POST", "/v1/things", "Things", (event, context) -> {
            served.add(event);
            return APIGatewayV2HTTPResponse.builder().withStatusCode(200).withBody("{}").build();
        })));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void withoutAHeaderApiGatewaysOwn401AndNoAuthorizer() throws Exception {
        HttpResponse<String> answer = post(null, new byte[2]);
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.body()).isEqualTo("{\"message\":\"Unauthorized\"}");
        assertThat(authorizerCalls).hasValue(0);
        assertThat(served).isEmpty();
    }

    @Test
    void theAuthorizersContextReachesTheRouteAndItsAnswerIsCachedPerHeader() throws Exception {
        assertThat(post("Bearer good", "{}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(post("Bearer bad", "{}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(post("Bearer bad", "{}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);

        assertThat(served).extracting(event -> event.getRequestContext().getAuthorizer().getLambda())
                .containsExactly(Map.of("keyName", "team-a"), Map.of("authError", "invalid_api_key"), Map.of("authError", "invalid_api_key"));
        assertThat(authorizerCalls).as("the refusal is cached too").hasValue(2);
    }

    @Test
    void anAuthorizerThatRefusesGetsApiGatewaysOwn403() throws Exception {
        HttpResponse<String> answer = post("Bearer deny", new byte[2]);
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).isEqualTo("{\"message\":\"Forbidden\"}");
        assertThat(served).isEmpty();
    }

    @Test
    void aBodyOfExactly10MbIsServed() throws Exception {
        assertThat(post("Bearer good", new byte[HttpApiServer.MAX_BODY_BYTES]).statusCode()).isEqualTo(200);
        assertThat(served).hasSize(1);
    }

    @Test
    void aLongerContentLengthIs413BeforeAnyOfTheBodyIsRead() throws Exception {
        try (Socket socket = new Socket(api.baseUrl().getHost(), api.baseUrl().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // 20 MB announced, not one byte of it sent: the answer cannot wait for the body.
            out.write(("POST /v1/things HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + 20 * 1024 * 1024 + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertRequestTooLarge(readAnswer(socket.getInputStream()));
        }
        assertThat(authorizerCalls).hasValue(0);
        assertThat(served).isEmpty();
    }

    @Test
    void aChunkedBodyIs413AsSoonAsItPassesTheLimit() throws Exception {
        try (Socket socket = new Socket(api.baseUrl().getHost(), api.baseUrl().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/things HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // 11 MB in 1 MB chunks, and the body never ends: the answer comes after the limit, not at the end.
            byte[] chunk = new byte[1024 * 1024];
            for (int i = 0; i < 11; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            assertRequestTooLarge(readAnswer(socket.getInputStream()));
        }
        assertThat(served).isEmpty();
    }

    @Test
    void a20MbBodyIs413ForAnHttpClientThatSendsItWhole() throws Exception {
        HttpResponse<String> answer = post("Bearer good", new byte[20 * 1024 * 1024]);
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(answer.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
        assertThat(served).isEmpty();
    }

    private static void assertRequestTooLarge(String answer) throws Exception {
        assertThat(answer).startsWith("HTTP/1.1 413 ");
        assertThat(answer.toLowerCase()).contains("connection: close").contains("content-type: application/json");
        JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
        assertThat(error.path("code").asText()).isEqualTo("request_too_large");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("10 MB");
    }

    /** The status line, headers and body of one answer with a Content-Length, read without waiting for the connection to end. */
    private static String readAnswer(InputStream in) throws Exception {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        int headersEnd = -1;
        int length = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            read.write(b);
            String text = read.toString(StandardCharsets.ISO_8859_1);
            if (headersEnd < 0 && text.endsWith("\r\n\r\n")) {
                headersEnd = text.length();
                for (String line : text.split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring("content-length:".length()).strip());
                    }
                }
            }
            if (headersEnd >= 0 && read.size() >= headersEnd + Math.max(length, 0)) {
                break;
            }
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    private HttpResponse<String> post(String authorization, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.baseUrl().resolve("/v1/things"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
