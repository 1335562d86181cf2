package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/** A callback endpoint on 127.0.0.1 that records every POST and answers with scripted statuses, then 200. */
public final class CallbackReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofSeconds(20);

    public record Received(JsonNode body, long receivedNanos) {
    }

    private final HttpServer server;
    private final Queue<Integer> answers;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private CallbackReceiver(HttpServer server, List<Integer> answers) {
        this.server = server;
        this.answers = new ConcurrentLinkedQueue<>(answers);
    }

    public static CallbackReceiver start(Integer... answers) throws IOException {
        CallbackReceiver receiver = new CallbackReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), List.of(answers));
        receiver.server.createContext("/", exchange -> {
            try (exchange) {
                receiver.received.add(new Received(JSON.readTree(exchange.getRequestBody()), System.nanoTime()));
                Integer answer = receiver.answers.poll();
                exchange.sendResponseHeaders(answer == null ? 200 : answer, -1);
            }
        });
        receiver.server.start();
        return receiver;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    public URI uri() {
        return URI.create(url());
    }

    /** Waits until at least count callbacks have arrived and returns all so far. */
    public List<Received> await(int count) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (received.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Expected " + count + " callbacks within " + LIMIT + ", got " + received);
            }
            Thread.sleep(20);
        }
        return List.copyOf(received);
    }

    public List<Received> all() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
