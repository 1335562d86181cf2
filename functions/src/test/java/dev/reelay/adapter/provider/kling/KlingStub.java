package dev.reelay.adapter.provider.kling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** Plays Kling on 127.0.0.1: records every request and answers from a queue (or a handler). */
final class KlingStub implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, String query, String authorization, String contentType, byte[] body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The bearer token, without {@code Bearer }. */
        String bearer() {
            return authorization == null || !authorization.startsWith("Bearer ") ? null : authorization.substring(7);
        }
    }

    record Reply(int status, String contentType, byte[] body) {
        static Reply json(int status, String body) {
            return new Reply(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpServer server;
    private final Deque<Reply> replies = new ArrayDeque<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile Function<Request, Reply> handler = request -> next();

    KlingStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("Content-Type"), in.readAllBytes());
                requests.add(request);
                Reply reply = handler.apply(request);
                exchange.getResponseHeaders().add("Content-Type", reply.contentType());
                exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
                exchange.getResponseBody().write(reply.body());
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    synchronized KlingStub reply(int status, String body) {
        replies.add(Reply.json(status, body));
        return this;
    }

    /** Kling's envelope around {@code dataJson}. */
    KlingStub envelope(int status, int code, String message, String dataJson) {
        return reply(status, "{\"code\":" + code + ",\"message\":\"" + message + "\",\"request_id\":\"req-1\",\"data\":"
                + dataJson + "}");
    }

    KlingStub accepted(String taskId) {
        return envelope(200, 0, "SUCCEED", "{\"task_id\":\"" + taskId + "\",\"task_status\":\"submitted\","
                + "\"created_at\":1722769557708,\"updated_at\":1722769557708}");
    }

    synchronized Reply next() {
        Reply reply = replies.poll();
        return reply != null ? reply : Reply.json(500, "{\"code\":5000,\"message\":\"stub has no answer queued\"}");
    }

    Request last() {
        return requests.get(requests.size() - 1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
