package dev.reelay.local.sandbox.unified;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.Call;
import dev.reelay.local.sandbox.CallbackPolicy;
import dev.reelay.local.sandbox.Dialect;
import dev.reelay.local.sandbox.Route;
import dev.reelay.local.sandbox.SandboxFaults;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.TaskSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The unified aggregator's (EvoLink's) Kling v3 video API (docs/vendors.md): bearer API key,
 * {@code POST /v1/videos/generations}, {@code GET /v1/tasks/{id}}, the {@code video.generation.task} object,
 * the {@code {"error":{"code","message","type"}}} envelope, and one callback when a task ends (completed,
 * failed or cancelled), retried at 1, 2 and 4 s. The aggregator documents no cancel endpoint, but the task object
 * has {@code task_info.can_cancel} and a {@code cancelled} status: Reelay ASSUMES
 * {@code POST /v1/tasks/{id}/cancel} answering the task object for a task still pending or processing, and a
 * 400 {@code task_not_cancellable} for a finished one; so does this sandbox.
 */
public final class UnifiedDialect implements Dialect {
    private static final String TASK_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final CallbackPolicy CALLBACKS = CallbackPolicy.onceAtEnd(
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));

    private final String apiKey;

    public UnifiedDialect(SandboxSettings settings) {
        this.apiKey = settings.apiKey();
    }

    @Override
    public String name() {
        return "unified";
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of("api_key", apiKey);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.submission("POST", "/v1/videos/generations",
                        (call, tasks) -> taskJson(tasks.submit(UnifiedJobParser.parse(call.jsonObject())))),
                Route.lookup("GET", "/v1/tasks/{id}", (call, tasks) -> {
                    String id = call.pathParam("id");
                    return taskJson(tasks.find(id).orElseThrow(() -> ApiError.taskNotFound("Task " + id + " does not exist")));
                }),
                Route.lookup("POST", "/v1/tasks/{id}/cancel", (call, tasks) -> taskJson(tasks.cancel(call.pathParam("id")))));
    }

    @Override
    public void authenticate(Call call) throws ApiError {
        String refusal = "Missing or invalid API key: send Authorization: Bearer <api key>";
        call.requireBearer(apiKey, refusal, refusal);
    }

    @Override
    public String newTaskId(Instant createdAt) {
        StringBuilder id = new StringBuilder("task-unified-").append(createdAt.getEpochSecond()).append('-');
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 8; i++) {
            id.append(TASK_ID_ALPHABET.charAt(random.nextInt(TASK_ID_ALPHABET.length())));
        }
        return id.toString();
    }

    @Override
    public JsonNode errorBody(ApiError error) {
        return switch (error.kind()) {
            case MALFORMED_BODY -> envelope("invalid_request", "invalid_request_error", error.getMessage());
            case INVALID_PARAMETER -> envelope("invalid_parameter", "invalid_request_error", error.getMessage());
            case INVALID_IMAGE -> envelope("invalid_image", "invalid_request_error", error.getMessage());
            case UNAUTHENTICATED -> envelope("invalid_api_key", "authentication_error", error.getMessage());
            case TASK_NOT_FOUND -> envelope("task_not_found", "not_found_error", error.getMessage());
            case FILE_NOT_FOUND -> envelope("file_not_found", "not_found_error", error.getMessage());
            case NO_ROUTE -> envelope("not_found", "not_found_error", error.getMessage());
            // The aggregator's documentation names rate_limit_exceeded for 429; a concurrency refusal says which limit it hit.
            case CONCURRENCY_LIMIT -> envelope("concurrency_limit_exceeded", "rate_limit_error", error.getMessage());
            case INTERNAL -> envelope("internal_error", "internal_server_error", error.getMessage());
            case VENDOR -> envelope(error.vendorCode().orElseThrow(),
                    error.vendorType().orElseGet(() -> typicalRefusal(error.status()).type()), error.getMessage());
        };
    }

    /** Codes the aggregator documents (insufficient_quota, model_access_denied, rate_limit_exceeded); the types beyond its examples are guesses. */
    @Override
    public SandboxFaults.Refusal typicalRefusal(int status) {
        return switch (status) {
            case 400 -> new SandboxFaults.Refusal(400, "invalid_request", "invalid_request_error", "The request is invalid");
            case 401 -> new SandboxFaults.Refusal(401, "invalid_api_key", "authentication_error", "Missing or invalid API key");
            case 402 -> new SandboxFaults.Refusal(402, "insufficient_quota", "insufficient_quota", "Insufficient credits for this task");
            case 403 -> new SandboxFaults.Refusal(403, "model_access_denied", "permission_error", "This key may not use this model");
            case 404 -> new SandboxFaults.Refusal(404, "not_found", "not_found_error", "Not found");
            case 429 -> new SandboxFaults.Refusal(429, "rate_limit_exceeded", "rate_limit_error", "Too many requests; slow down");
            case 500 -> new SandboxFaults.Refusal(500, "internal_error", "internal_server_error", "Internal server error");
            default -> status >= 500
                    ? new SandboxFaults.Refusal(status, "service_unavailable", "api_error", "Upstream is unavailable; try again later")
                    : new SandboxFaults.Refusal(status, "invalid_request", "invalid_request_error", "The request was refused");
        };
    }

    @Override
    public CallbackPolicy callbackPolicy() {
        return CALLBACKS;
    }

    /** The same task object a query returns, as the aggregator sends it. */
    @Override
    public JsonNode callbackBody(TaskSnapshot task) {
        return taskJson(task);
    }

    /** The task object as {@code GET /v1/tasks/{id}} shows it. */
    public ObjectNode taskJson(TaskSnapshot snapshot) {
        Usage usage = Usage.of(snapshot.job().quality(), snapshot.job().sound(), snapshot.job().durationSeconds());
        ObjectNode task = JsonNodeFactory.instance.objectNode();
        task.put("created", snapshot.createdAt().getEpochSecond())
                .put("id", snapshot.id())
                .put("model", snapshot.job().model())
                .put("object", "video.generation.task")
                .put("progress", snapshot.progress())
                .put("status", snapshot.status().name().toLowerCase(Locale.ROOT));
        task.putObject("task_info")
                .put("can_cancel", !snapshot.status().finished())
                .put("estimated_time", Math.max(1, (snapshot.estimatedTime().toMillis() + 999) / 1000));
        task.put("type", "video");
        task.putObject("usage")
                .put("billing_rule", "per_second")
                .put("credits_reserved", usage.creditsReserved().doubleValue())
                .put("estimated_cost", usage.estimatedCostUsd().doubleValue());
        snapshot.videoUrl().ifPresent(url -> task.putArray("results").add(url.toString()));
        snapshot.failure().ifPresent(failure -> task.putObject("error").put("code", failure.code()).put("message", failure.message()));
        return task;
    }

    private static ObjectNode envelope(String code, String type, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("error").put("code", code).put("message", message).put("type", type);
        return body;
    }
}
