package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One vendor's API spoken by a {@link Sandbox}: its routes, authentication, task and error JSON and callback
 * habits. The kit does the rest: serving (HTTP or HTTPS), the task registry, downloading or decoding frames,
 * rendering, serving result files, callbacks and scripted {@link SandboxFaults}.
 */
public interface Dialect {
    /** The vendor's short name, as the sandbox command prints it and takes it in {@code --fault NAME:...}. */
    String name();

    /** What a client needs to call this sandbox, in display order, e.g. {@code {"api_key": "..."}}. */
    Map<String, String> credentials();

    /** The vendor's endpoints. Result files are the kit's: see {@link #videoPathTemplate()}. */
    List<Route> routes();

    /** Checks a call to any of {@link #routes()}; refuses with {@link ApiError#unauthenticated} or a vendor error. */
    void authenticate(Call call) throws ApiError;

    /** A fresh task id; it must be usable as a file name and a URL path segment. The kit retries on collision. */
    String newTaskId(Instant createdAt);

    /** The vendor's error body for a refusal; the HTTP status is {@link ApiError#status()}. */
    JsonNode errorBody(ApiError error);

    /** The refusal this vendor typically answers with for an HTTP status, for faults scripted by status alone. */
    SandboxFaults.Refusal typicalRefusal(int status);

    CallbackPolicy callbackPolicy();

    /** What the kit POSTs to a task's callback URL. */
    JsonNode callbackBody(TaskSnapshot task);

    /** Where result videos are served, without authentication (like a CDN link); must contain {@code {id}}. */
    default String videoPathTemplate() {
        return "/v1/files/{id}.mp4";
    }
}
