package dev.reelay.port;

/**
 * Idempotency keys, per owner: the first request to claim a key owns it; later ones with the same
 * key are told which task it was made for, and for which request.
 */
public interface IdempotencyKeys {

    /** What a key belongs to; {@code claimedNow} is true for the request that just claimed it. */
    record Claim(String taskId, String requestHash, boolean claimedNow) {
    }

    /** Claims {@code key} for {@code taskId} unless it is claimed already, atomically. */
    Claim claim(String ownerKeyId, String key, String requestHash, String taskId);

    /**
     * Gives up the claim of {@code key} made for {@code taskId}, when that request was refused
     * after claiming it and before its task was recorded (over budget, say): the key can then be
     * used again. A claim made for another task is left alone.
     */
    void release(String ownerKeyId, String key, String taskId);
}
