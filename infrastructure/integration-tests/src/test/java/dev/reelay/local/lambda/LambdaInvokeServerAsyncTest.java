package dev.reelay.local.lambda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Asynchronous invocations (X-Amz-Invocation-Type: Event), as S3 notifications make them. */
class LambdaInvokeServerAsyncTest {
    private LambdaInvokeServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = LambdaInvokeServer.start(List.of(Duration.ofMillis(50), Duration.ofMillis(100)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anEventIsAcceptedAtOnceAndRunOnAnotherThread() throws Exception {
        server.register("Slow", (in, out, context) -> {
            calls.add(new String(in.readAllBytes(), StandardCharsets.UTF_8) + " on " + Thread.currentThread().getName());
        });

        long began = System.nanoTime();
        server.asyncInvoker("Slow").accept("{\"n\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
        await(() -> calls.size() == 1);
        assertThat(calls.get(0)).isEqualTo("{\"n\":1} on lambda-async");
    }

    @Test
    void aFailedEventIsRetriedTwiceWithTheSamePayloadThenGivenUp() throws Exception {
        server.register("Failing", (in, out, context) -> {
            calls.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            throw new IllegalStateException("DynamoDB is unreachable");
        });

        server.asyncInvoker("Failing").accept("{\"n\":2}".getBytes(StandardCharsets.UTF_8));

        await(() -> calls.size() == 3);
        Thread.sleep(400);
        assertThat(calls).containsExactly("{\"n\":2}", "{\"n\":2}", "{\"n\":2}");
    }

    @Test
    void anEventFailedOnEveryAttemptGoesToTheFunctionsDeadLetterQueueOnce() throws Exception {
        List<String> deadLetters = new CopyOnWriteArrayList<>();
        server.register("Doomed", (in, out, context) -> {
            calls.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            throw new IllegalStateException("x".repeat(2000));
        });
        server.deadLetterQueue("Doomed", (event, attributes) -> deadLetters.add(new String(event, StandardCharsets.UTF_8)
                + " " + attributes.get("ErrorCode") + " " + attributes.get("ErrorMessage").length() + " " + !attributes.get("RequestID").isBlank()));
        server.register("Recovers", (in, out, context) -> {
            calls.add("recovers");
            if (calls.stream().filter("recovers"::equals).count() < 3) {
                throw new IllegalStateException("not yet");
            }
        });
        server.deadLetterQueue("Recovers", (event, attributes) -> deadLetters.add("recovers"));

        server.asyncInvoker("Doomed").accept("{\"n\":3}".getBytes(StandardCharsets.UTF_8));
        server.asyncInvoker("Recovers").accept("{}".getBytes(StandardCharsets.UTF_8));

        await(() -> deadLetters.size() == 1 && calls.stream().filter("recovers"::equals).count() == 3);
        Thread.sleep(400);
        assertThat(calls.stream().filter("{\"n\":3}"::equals)).hasSize(3);
        assertThat(deadLetters).containsExactly("{\"n\":3} 200 1024 true");
    }

    @Test
    void aRetryThatSucceedsEndsTheRetries() throws Exception {
        server.register("Flaky", (in, out, context) -> {
            calls.add("attempt");
            if (calls.size() == 1) {
                throw new IllegalStateException("once");
            }
        });

        server.asyncInvoker("Flaky").accept("{}".getBytes(StandardCharsets.UTF_8));

        await(() -> calls.size() == 2);
        Thread.sleep(400);
        assertThat(calls).hasSize(2);
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
