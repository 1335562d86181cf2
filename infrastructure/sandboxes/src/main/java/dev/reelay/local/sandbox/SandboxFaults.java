package dev.reelay.local.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Faults scripted into a running sandbox. Counted faults are used once each, in order: refusals of the
 * next submissions, failures reported after acceptance (as vendors report a content-policy block late),
 * slow answers, lost or duplicated callbacks, and downloads cut off halfway. A common finish time
 * ({@link #finishAllAt}) makes many tasks complete, and call back, at the same moment.
 */
public final class SandboxFaults {
    /**
     * An error the sandbox answers in the vendor's envelope.
     *
     * @param code the vendor's code, e.g. {@code service_unavailable} or Kling's {@code 1302}
     * @param type the vendor's error type for dialects that have one (the unified aggregator), or null to let
     *             the dialect pick its usual type for the status
     */
    public record Refusal(int status, String code, String type, String message) {
        public Refusal {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("A refusal needs a 4xx or 5xx status: " + status);
            }
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        public Refusal(int status, String code, String message) {
            this(status, code, null, message);
        }

        public Refusal withCode(String otherCode) {
            return new Refusal(status, otherCode, type, message);
        }
    }

    /** A failure an accepted task reports once its render delay has passed. */
    public record LateFailure(String code, String message) {
        public static LateFailure contentPolicy() {
            return new LateFailure("content_policy_violation", "The generated content violates the content policy");
        }
    }

    private final Queue<Refusal> submissionRefusals = new ConcurrentLinkedQueue<>();
    private final Queue<LateFailure> lateFailures = new ConcurrentLinkedQueue<>();
    private final Queue<Duration> nextResponseDelays = new ConcurrentLinkedQueue<>();
    private final Queue<Duration> nextRenderDelays = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Duration> everyResponseDelay = new AtomicReference<>(Duration.ZERO);
    private final AtomicReference<Instant> finishAllAt = new AtomicReference<>();
    private final AtomicInteger callbacksToLose = new AtomicInteger();
    private final AtomicInteger callbacksToDuplicate = new AtomicInteger();
    private final AtomicInteger downloadsToTruncate = new AtomicInteger();

    /** The next {@code times} submissions are refused with this error. */
    public SandboxFaults refuseSubmissions(int times, Refusal refusal) {
        for (int i = 0; i < times; i++) {
            submissionRefusals.add(refusal);
        }
        return this;
    }

    /** The next {@code times} accepted tasks end failed with this error instead of a video. */
    public SandboxFaults failAfterAcceptance(int times, LateFailure failure) {
        for (int i = 0; i < times; i++) {
            lateFailures.add(failure);
        }
        return this;
    }

    /** Every answer from now on waits this long first; {@link Duration#ZERO} ends it. */
    public SandboxFaults slowAllResponses(Duration delay) {
        everyResponseDelay.set(delay);
        return this;
    }

    /** The next {@code times} answers wait this long first (instead of any delay set for all answers). */
    public SandboxFaults slowResponses(int times, Duration delay) {
        for (int i = 0; i < times; i++) {
            nextResponseDelays.add(delay);
        }
        return this;
    }

    /** The next {@code times} accepted tasks take this long to complete instead of the settings' render delay. */
    public SandboxFaults renderSlowly(int times, Duration renderDelay) {
        for (int i = 0; i < times; i++) {
            nextRenderDelays.add(renderDelay);
        }
        return this;
    }

    /**
     * Every task accepted from now on completes at {@code at} (once its video is rendered) instead of after
     * the settings' render delay, so that a burst of tasks finishes, and calls back, at the same moment; a
     * task accepted after {@code at} completes as soon as it is rendered. Scripted render delays
     * ({@link #renderSlowly}) come first. Null ends it.
     */
    public SandboxFaults finishAllAt(Instant at) {
        finishAllAt.set(at);
        return this;
    }

    /** The next {@code times} callbacks are never sent. */
    public SandboxFaults loseCallbacks(int times) {
        callbacksToLose.addAndGet(times);
        return this;
    }

    /** The next {@code times} callbacks are sent twice. */
    public SandboxFaults duplicateCallbacks(int times) {
        callbacksToDuplicate.addAndGet(times);
        return this;
    }

    /** The next {@code times} video downloads announce their full length but stop after about half the bytes. */
    public SandboxFaults truncateDownloads(int times) {
        downloadsToTruncate.addAndGet(times);
        return this;
    }

    Optional<Refusal> nextSubmissionRefusal() {
        return Optional.ofNullable(submissionRefusals.poll());
    }

    Optional<LateFailure> nextLateFailure() {
        return Optional.ofNullable(lateFailures.poll());
    }

    Duration nextResponseDelay() {
        Duration next = nextResponseDelays.poll();
        return next != null ? next : everyResponseDelay.get();
    }

    Optional<Duration> nextRenderDelay() {
        Duration next = nextRenderDelays.poll();
        if (next != null) {
            return Optional.of(next);
        }
        Instant at = finishAllAt.get();
        if (at == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(Instant.now(), at);
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }

    boolean takeLostCallback() {
        return takeOne(callbacksToLose);
    }

    boolean takeDuplicatedCallback() {
        return takeOne(callbacksToDuplicate);
    }

    boolean takeTruncatedDownload() {
        return takeOne(downloadsToTruncate);
    }

    private static boolean takeOne(AtomicInteger remaining) {
        return remaining.getAndUpdate(count -> Math.max(0, count - 1)) > 0;
    }
}
