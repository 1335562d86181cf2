package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** One vendor endpoint: a method, a path template such as {@code /v1/tasks/{id}}, and its handler. */
public final class Route {

    @FunctionalInterface
    public interface Handler {
        /** The body of a 200 answer; refusals are thrown and answered with {@link Dialect#errorBody}. */
        JsonNode answer(Call call, TaskRegistry tasks) throws ApiError, IOException;
    }

    private final String method;
    private final PathTemplate path;
    private final boolean submission;
    private final Handler handler;

    private Route(String method, String pathTemplate, boolean submission, Handler handler) {
        this.method = method;
        this.path = new PathTemplate(pathTemplate);
        this.submission = submission;
        this.handler = handler;
    }

    /**
     * A create endpoint: the kit counts every call (authenticated or not) as a create request and, after
     * authentication, answers scripted refusals before the handler runs.
     */
    public static Route submission(String method, String pathTemplate, Handler handler) {
        return new Route(method, pathTemplate, true, handler);
    }

    /** Any other endpoint: queries, lists. */
    public static Route lookup(String method, String pathTemplate, Handler handler) {
        return new Route(method, pathTemplate, false, handler);
    }

    boolean isSubmission() {
        return submission;
    }

    Handler handler() {
        return handler;
    }

    Optional<Map<String, String>> match(String requestMethod, String requestPath) {
        return method.equals(requestMethod) ? path.match(requestPath) : Optional.empty();
    }
}
