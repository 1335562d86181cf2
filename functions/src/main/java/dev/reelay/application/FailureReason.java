package dev.reelay.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.error.ReelayException;
import dev.reelay.domain.task.Failure;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the error a Catch hands over into a task failure a user can read. A Lambda's Cause is the
 * JSON of its error ({@code errorMessage}, {@code errorType}); Reelay's own exceptions carry their
 * code in front of the message (see {@link ReelayException#getLocalizedMessage()}).
 */
public final class FailureReason {
    private static final Pattern CODED = Pattern.compile("^([a-z][a-z0-9_]*): (.*)$", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FailureReason() {
    }

    public static Failure from(WorkflowState.StepError error) {
        if (error == null) {
            return new Failure("internal_error", "The task failed for an unknown reason.");
        }
        String name = error.error() == null ? "Unknown" : error.error();
        String message = lambdaErrorMessage(error.cause());
        if (name.startsWith(ReelayException.class.getPackageName()) && message != null) {
            Matcher coded = CODED.matcher(message);
            if (coded.matches()) {
                return new Failure(coded.group(1), coded.group(2));
            }
        }
        if (name.equals("States.Timeout")) {
            return new Failure("step_timed_out", "A step of the workflow timed out.");
        }
        return new Failure("internal_error", name + (message == null ? "" : ": " + message));
    }

    private static String lambdaErrorMessage(String cause) {
        if (cause == null || cause.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(cause);
            return node.hasNonNull("errorMessage") ? node.get("errorMessage").asText() : cause;
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
            return cause;
        }
    }
}
