package dev.reelay.port;

import java.util.Optional;

/**
 * The link between a provider's callback and the execution waiting for it. Each task has one
 * unguessable secret, the only credential in the callback URL Reelay gives the provider
 * ({@code /callbacks/{provider}/{secret}}); the task token stays here, never in a URL.
 */
public interface ProviderCallbacks {

    /** What is registered under a secret. {@code taskToken} and {@code waitingState} are null until a step waits. */
    record Registration(String secret, String taskId, String taskToken, String waitingState, boolean finished) {
    }

    /** The task's secret, created on first call; the same one after. */
    String secretFor(String taskId);

    Optional<Registration> find(String secret);

    /** A step waits: stores its token and state, and answers the registration as it now stands. */
    Registration await(String secret, String taskToken, String waitingStateJson);

    /** A final status arrived: marks it, and answers the registration (with the token if a step waits). */
    Registration finish(String secret);
}
