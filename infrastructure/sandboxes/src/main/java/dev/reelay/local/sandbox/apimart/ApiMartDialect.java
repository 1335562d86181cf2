package dev.reelay.local.sandbox.apimart;

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
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * APIMart's Kling v3 video API (docs/vendors.md): bearer API key, {@code POST /v1/videos/generations} answering
 * {@code {"code":200,"data":[{"status":"submitted","task_id"}]}}, {@code GET /v1/tasks/{task_id}} answering the
 * task under {@code data}, and errors in {@code {"error":{"code","message","type"}}}. APIMart documents no
 * callbacks, so it sends none. It documents no cancel either, but reports a {@code cancelled} status: Reelay
 * ASSUMES {@code POST /v1/tasks/{task_id}/cancel}, answering the task under {@code data} like a query, for a
 * task still pending or processing, and a 400 {@code task_not_cancellable} for a finished one; so does this
 * sandbox.
 */
public final class ApiMartDialect implements Dialect {
    /** Crockford's base32, as APIMart's ULID-like ids ({@code task_01K8SGYNNNVBQTXNR4MM964S7K}) are written. */
    private static final String ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int ULID_RANDOM_CHARACTERS = 16;
    /** How long result links live is undocumented for APIMart: the aggregator's 24 hours is assumed. */
    private static final Duration LINK_LIFETIME = Duration.ofHours(24);

    private final String apiKey;

    public ApiMartDialect(SandboxSettings settings) {
        this.apiKey = settings.apiKey();
    }

    @Override
    public String name() {
        return "apimart";
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of("api_key", apiKey);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.submission("POST", "/v1/videos/generations", (call, tasks) -> {
                    TaskSnapshot task = tasks.submit(ApiMartJobParser.parse(call.jsonObject()));
                    ObjectNode answer = JsonNodeFactory.instance.objectNode().put("code", 200);
                    answer.putArray("data").addObject().put("status", "submitted").put("task_id", task.id());
                    return answer;
                }),
                Route.lookup("GET", "/v1/tasks/{task_id}", (call, tasks) -> {
                    String id = call.pathParam("task_id");
                    TaskSnapshot task = tasks.find(id).orElseThrow(() -> ApiError.taskNotFound("Task " + id + " does not exist"));
                    ObjectNode answer = JsonNodeFactory.instance.objectNode().put("code", 200);
                    answer.set("data", taskJson(task));
                    return answer;
                }),
                Route.lookup("POST", "/v1/tasks/{task_id}/cancel", (call, tasks) -> {
                    ObjectNode answer = JsonNodeFactory.instance.objectNode().put("code", 200);
                    answer.set("data", taskJson(tasks.cancel(call.pathParam("task_id"))));
                    return answer;
                }));
    }

    @Override
    public void authenticate(Call call) throws ApiError {
        call.requireBearer(apiKey, "Missing API key: send Authorization: Bearer <api key>", "Invalid API key");
    }

    @Override
    public String newTaskId(Instant createdAt) {
        StringBuilder id = new StringBuilder("task_");
        long millis = createdAt.toEpochMilli();
        for (int shift = 45; shift >= 0; shift -= 5) {
            id.append(ULID_ALPHABET.charAt((int) (millis >>> shift) & 31));
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < ULID_RANDOM_CHARACTERS; i++) {
            id.append(ULID_ALPHABET.charAt(random.nextInt(ULID_ALPHABET.length())));
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
            // APIMart documents no codes: the concurrency refusal follows its 429 rate_limit_exceeded.
            case CONCURRENCY_LIMIT -> envelope("concurrency_limit_exceeded", "rate_limit_error", error.getMessage());
            case INTERNAL -> envelope("internal_error", "server_error", error.getMessage());
            case VENDOR -> envelope(error.vendorCode().orElseThrow(),
                    error.vendorType().orElseGet(() -> typicalRefusal(error.status()).type()), error.getMessage());
        };
    }

    /** APIMart documents no error codes: these follow the OpenAI-style envelope its answers use. */
    @Override
    public SandboxFaults.Refusal typicalRefusal(int status) {
        return switch (status) {
            case 400 -> new SandboxFaults.Refusal(400, "invalid_request", "invalid_request_error", "The request is invalid");
            case 401 -> new SandboxFaults.Refusal(401, "invalid_api_key", "authentication_error", "Invalid API key");
            case 402 -> new SandboxFaults.Refusal(402, "insufficient_quota", "insufficient_quota", "Insufficient balance for this task");
            case 403 -> new SandboxFaults.Refusal(403, "permission_denied", "permission_error", "This key may not use this model");
            case 404 -> new SandboxFaults.Refusal(404, "not_found", "not_found_error", "Not found");
            case 429 -> new SandboxFaults.Refusal(429, "rate_limit_exceeded", "rate_limit_error", "Too many requests; slow down");
            case 500 -> new SandboxFaults.Refusal(500, "internal_error", "server_error", "Internal server error");
            default -> status >= 500
                    ? new SandboxFaults.Refusal(status, "service_unavailable", "server_error", "The service is unavailable; try again later")
                    : new SandboxFaults.Refusal(status, "invalid_request", "invalid_request_error", "The request was refused");
        };
    }

    /** Never used: the parser takes no callback URL, and the kit only calls back tasks that have one. */
    @Override
    public CallbackPolicy callbackPolicy() {
        return CallbackPolicy.onceAtEnd();
    }

    @Override
    public JsonNode callbackBody(TaskSnapshot task) {
        throw new UnsupportedOperationException("APIMart documents no callbacks");
    }

    /** The task as {@code GET /v1/tasks/{task_id}} shows it under {@code data}. */
    private static ObjectNode taskJson(TaskSnapshot task) {
        long estimatedSeconds = Math.max(1, (task.estimatedTime().toMillis() + 999) / 1000);
        ObjectNode data = JsonNodeFactory.instance.objectNode()
                .put("id", task.id())
                .put("status", switch (task.status()) {
                    case PENDING -> "submitted";
                    case PROCESSING -> "processing";
                    case COMPLETED -> "completed";
                    case FAILED -> "failed";
                    case CANCELLED -> "cancelled";
                })
                .put("progress", task.progress())
                .put("estimated_time", estimatedSeconds);
        if (task.status().finished()) {
            // The kit keeps no finishing time; the render delay is what every finished task took at least.
            data.put("actual_time", estimatedSeconds);
        }
        task.videoUrl().ifPresent(url -> {
            ObjectNode video = data.putObject("result").putArray("videos").addObject();
            video.putArray("url").add(url.toString());
            video.put("expires_at", task.createdAt().plus(LINK_LIFETIME).getEpochSecond());
        });
        task.failure().ifPresent(failure -> data.putObject("error").put("message", failure.message()));
        return data;
    }

    private static ObjectNode envelope(String code, String type, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("error").put("code", code).put("message", message).put("type", type);
        return body;
    }
}
