package dev.reelay.local.sandbox.kling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A raw-HTTP test client for the Kling sandbox, signing its own JWTs. */
public record KlingClient(HttpClient http, URI baseUrl, String accessKey, String secretKey) {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMPLETION_LIMIT = Duration.ofSeconds(20);

    public KlingClient(Sandbox sandbox) {
        this(HttpClient.newHttpClient(), sandbox.baseUrl(), sandbox.credential("access_key"), sandbox.credential("secret_key"));
    }

    /** A compact JWT with the given header alg and claims, HMAC-SHA256-signed with secret whatever alg says. */
    public static String jwt(String alg, String iss, String secret, Instant nbf, Instant exp) throws Exception {
        Base64.Encoder base64url = Base64.getUrlEncoder().withoutPadding();
        String header = base64url.encodeToString(JSON.createObjectNode().put("alg", alg).put("typ", "JWT").toString().getBytes(StandardCharsets.UTF_8));
        String claims = base64url.encodeToString(JSON.createObjectNode().put("iss", iss).put("exp", exp.getEpochSecond())
                .put("nbf", nbf.getEpochSecond()).toString().getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return header + "." + claims + "." + base64url.encodeToString(mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII)));
    }

    /** A token as Kling's documentation signs it: nbf 5 s ago, exp in 30 minutes. */
    public String token() throws Exception {
        Instant now = Instant.now();
        return jwt("HS256", accessKey, secretKey, now.minusSeconds(5), now.plus(Duration.ofMinutes(30)));
    }

    /** A minimal valid text2video body. */
    public static ObjectNode textToVideo(String prompt) {
        return JSON.createObjectNode().put("model_name", "kling-v3").put("prompt", prompt).put("duration", "3");
    }

    public HttpResponse<String> create(String route, ObjectNode body) throws Exception {
        return send(request("/v1/videos/" + route).header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** Creates a task that must be accepted; returns the envelope's data. */
    public JsonNode accepted(String route, ObjectNode body) throws Exception {
        HttpResponse<String> response = create(route, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode envelope = JSON.readTree(response.body());
        assertThat(envelope.get("code").asInt()).isZero();
        return envelope.get("data");
    }

    /** GET with a valid token; pathAndQuery starts with /v1/videos/. */
    public HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send(request(pathAndQuery).header("Authorization", "Bearer " + token()));
    }

    public JsonNode awaitFinished(String route, String taskId) throws Exception {
        long deadline = System.nanoTime() + COMPLETION_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get("/v1/videos/" + route + "/" + taskId);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode task = JSON.readTree(response.body()).get("data");
            if (List.of("succeed", "failed").contains(task.get("task_status").asText())) {
                return task;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Task " + taskId + " did not finish within " + COMPLETION_LIMIT);
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(baseUrl.resolve(pathAndQuery));
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
