package dev.reelay.local.sandbox;

import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Faults a test scripts into a running sandbox, each used once, in order: a refusal of the next
 * submissions (say a 503 or a 429), or a failure reported after the next tasks were accepted (say
 * a content-policy block, as vendors report it late).
 */
public final class SandboxFaults {
    /** An error the sandbox answers in the vendor's envelope. */
    public record Refusal(int status, String code, String type, String message) {
    }

    /** A failure an accepted task reports once its render delay has passed. */
    public record LateFailure(String code, String message) {
    }

    private final Queue<Refusal> submissionRefusals = new ConcurrentLinkedQueue<>();
    private final Queue<LateFailure> lateFailures = new ConcurrentLinkedQueue<>();

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

    Optional<Refusal> nextSubmissionRefusal() {
        return Optional.ofNullable(submissionRefusals.poll());
    }

    Optional<LateFailure> nextLateFailure() {
        return Optional.ofNullable(lateFailures.poll());
    }
}
