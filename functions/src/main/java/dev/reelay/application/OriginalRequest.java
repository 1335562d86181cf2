package dev.reelay.application;

import dev.reelay.domain.error.ConflictException;
import dev.reelay.port.IdempotencyKeys;

import java.util.Optional;
import java.util.function.Function;

/**
 * A repeat of a request whose idempotency key an earlier one claimed: what the earlier one made, a
 * task or a batch. The claim comes before the record, so the record may still be being written: it
 * is looked for a little while (up to 5 s) before the repeat is told to retry.
 */
final class OriginalRequest {
    private static final int ATTEMPTS = 50;
    private static final long PAUSE_MILLIS = 100;

    private OriginalRequest() {
    }

    /**
     * @param find           what was made under the claim's id, when it is there (and its owner's)
     * @param reusedMessage  what a key used for another request is told
     */
    static <T> T await(IdempotencyKeys.Claim claim, String requestHash, Function<String, Optional<T>> find, String reusedMessage) {
        if (!claim.requestHash().equals(requestHash)) {
            throw new ConflictException("idempotency_key_reused", reusedMessage);
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<T> made = find.apply(claim.taskId());
            if (made.isPresent()) {
                return made.get();
            }
            try {
                Thread.sleep(PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ConflictException("request_in_progress", "The original request with this idempotency key is still being processed; retry shortly.");
    }
}
