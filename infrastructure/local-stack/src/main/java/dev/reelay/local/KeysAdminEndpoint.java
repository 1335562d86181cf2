package dev.reelay.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/**
 * The running stack's loopback-only endpoint for the {@code keys} commands of other processes
 * ({@link KeysThroughStack}): {@code POST /_local/keys} with {@code Authorization: Bearer TOKEN} and
 * {@code {"args": [...]}}, answered with {@code {"exit", "stdout", "stderr"}}: what the same command
 * would have printed and exited with had it opened the database itself. It is no part of the API
 * (its own port, not in the template or the OpenAPI document); the token, 32 random bytes, is
 * given only through {@code .reelay/serve.json}, readable by its owner only.
 */
final class KeysAdminEndpoint implements AutoCloseable {
    static final String PATH = "/_local/keys";
    private static final Logger LOG = LoggerFactory.getLogger(KeysAdminEndpoint.class);

    private final LoopbackHttpServer server;
    private final String token;

    private KeysAdminEndpoint(LoopbackHttpServer server, String token) {
        this.server = server;
        this.token = token;
    }

    static KeysAdminEndpoint start(DynamoDbClient dynamo, String table) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        LoopbackHttpServer server = LoopbackHttpServer.start("reelay-keys-admin", 0, exchange -> {
            try {
                handle(exchange, expected, dynamo, table);
            } catch (RuntimeException | IOException e) {
                LOG.error("A keys command from another process failed", e);
                LoopbackHttpServer.respond(exchange, 500, "text/plain", (e + "\n").getBytes(StandardCharsets.UTF_8));
            } finally {
                exchange.close();
            }
        });
        return new KeysAdminEndpoint(server, token);
    }

    /** The stack's entry for {@code serve.json}. */
    StateDirectory.RunningStack published(String kind, URI apiUrl) {
        return new StateDirectory.RunningStack(ProcessHandle.current().pid(), kind, baseUrl(), apiUrl, token);
    }

    URI baseUrl() {
        return server.baseUrl();
    }

    private static void handle(HttpExchange exchange, byte[] expectedAuthorization, DynamoDbClient dynamo, String table) throws IOException {
        String presented = exchange.getRequestHeaders().getFirst("Authorization");
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
            LoopbackHttpServer.respond(exchange, 401, "text/plain", "the keys endpoint needs the token in .reelay/serve.json\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals(PATH)) {
            LoopbackHttpServer.respond(exchange, 404, "text/plain", ("only POST " + PATH + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        Deque<String> args = new ArrayDeque<>();
        try {
            JsonNode request = Launcher.json().readTree(exchange.getRequestBody());
            request.path("args").forEach(arg -> args.add(arg.asText()));
        } catch (IOException notJson) {
            LoopbackHttpServer.respond(exchange, 400, "text/plain", ("not a JSON request: " + notJson.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        String command = args.isEmpty() ? "" : args.peekFirst();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = KeysCommand.runOnStack(args, dynamo, table, stdout, stderr);
        }
        ObjectNode answer = Launcher.json().createObjectNode();
        answer.put("exit", exit);
        answer.put("stdout", out.toString(StandardCharsets.UTF_8));
        answer.put("stderr", err.toString(StandardCharsets.UTF_8));
        // Which command and how it ended, never its output: that holds the secrets.
        LOG.info("keys {} from another process ended {}", command, exit);
        LoopbackHttpServer.respond(exchange, 200, "application/json", Launcher.json().writeValueAsBytes(answer));
    }

    @Override
    public void close() {
        server.close();
    }
}
