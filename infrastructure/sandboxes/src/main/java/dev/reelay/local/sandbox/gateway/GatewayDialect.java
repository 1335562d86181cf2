package dev.reelay.local.sandbox.gateway;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An OpenAI-style gateway's Kling v3 video API (docs/vendors.md; the shape of the open-source new-api gateway's video
 * routes): bearer {@code sk-} key, {@code POST /v1/video/generations} and {@code GET /v1/videos/{task_id}}, both
 * answering the {@code video.generation.job} object, and errors in OpenAI's
 * {@code {"error":{"message","type","param","code"}}}. The gateway documents no callbacks, so it sends none.
 */
public final class GatewayDialect implements Dialect {
    private static final String TASK_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final int TASK_ID_RANDOM_CHARACTERS = 32;

    private final String apiKey;

    public GatewayDialect(SandboxSettings settings) {
        this.apiKey = settings.apiKey();
    }

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of("api_key", apiKey);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.submission("POST", "/v1/video/generations",
                        (call, tasks) -> jobJson(tasks.submit(GatewayJobParser.parse(call.jsonObject())))),
                Route.lookup("GET", "/v1/videos/{task_id}", (call, tasks) -> {
                    String id = call.pathParam("task_id");
                    return jobJson(tasks.find(id).orElseThrow(() -> ApiError.taskNotFound("Task " + id + " does not exist")));
                }));
    }

    @Override
    public void authenticate(Call call) throws ApiError {
        call.requireBearer(apiKey, "You didn't provide an API key: send Authorization: Bearer sk-...", "Incorrect API key provided");
    }

    @Override
    public String newTaskId(Instant createdAt) {
        StringBuilder id = new StringBuilder("task_");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < TASK_ID_RANDOM_CHARACTERS; i++) {
            id.append(TASK_ID_ALPHABET.charAt(random.nextInt(TASK_ID_ALPHABET.length())));
        }
        return id.toString();
    }

    @Override
    public JsonNode errorBody(ApiError error) {
        return switch (error.kind()) {
            case MALFORMED_BODY -> envelope("invalid_request_body", "invalid_request_error", error.getMessage());
            case INVALID_PARAMETER -> envelope("invalid_parameter", "invalid_request_error", error.getMessage());
            case INVALID_IMAGE -> envelope("invalid_image", "invalid_request_error", error.getMessage());
            case UNAUTHENTICATED -> envelope("invalid_api_key", "authentication_error", error.getMessage());
            // new-api's code for an unknown task.
            case TASK_NOT_FOUND -> envelope("task_not_exist", "invalid_request_error", error.getMessage());
            case FILE_NOT_FOUND -> envelope("file_not_found", "invalid_request_error", error.getMessage());
            case NO_ROUTE -> envelope("unknown_url", "invalid_request_error", error.getMessage());
            // OpenAI's 429 type for request limits; the code says it is the parallel-task limit.
            case CONCURRENCY_LIMIT -> envelope("concurrency_limit_exceeded", "requests", error.getMessage());
            case INTERNAL -> envelope("internal_error", "server_error", error.getMessage());
            case VENDOR -> envelope(error.vendorCode().orElseThrow(),
                    error.vendorType().orElseGet(() -> typicalRefusal(error.status()).type()), error.getMessage());
        };
    }

    /** OpenAI's codes and types, as gateways in its style pass them on; 429's type {@code requests} is OpenAI's own. */
    @Override
    public SandboxFaults.Refusal typicalRefusal(int status) {
        return switch (status) {
            case 400 -> new SandboxFaults.Refusal(400, "invalid_request", "invalid_request_error", "The request is invalid");
            case 401 -> new SandboxFaults.Refusal(401, "invalid_api_key", "authentication_error", "Incorrect API key provided");
            case 402 -> new SandboxFaults.Refusal(402, "insufficient_quota", "insufficient_quota", "Your quota is used up for this task");
            case 403 -> new SandboxFaults.Refusal(403, "model_not_allowed", "permission_error", "This key may not use this model");
            case 404 -> new SandboxFaults.Refusal(404, "not_found", "invalid_request_error", "Not found");
            case 429 -> new SandboxFaults.Refusal(429, "rate_limit_exceeded", "requests", "Rate limit reached; slow down");
            case 500 -> new SandboxFaults.Refusal(500, "internal_error", "server_error", "The server had an error processing the request");
            default -> status >= 500
                    ? new SandboxFaults.Refusal(status, "service_unavailable", "server_error", "The upstream channel is unavailable; retry later")
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
        throw new UnsupportedOperationException("The gateway documents no callbacks");
    }

    /** The job object both routes answer with. */
    private static ObjectNode jobJson(TaskSnapshot task) {
        ObjectNode job = JsonNodeFactory.instance.objectNode()
                .put("id", task.id())
                .put("task_id", task.id())
                .put("object", "video.generation.job")
                .put("model", task.job().model())
                .put("status", switch (task.status()) {
                    case PENDING -> "queued";
                    case PROCESSING -> "in_progress";
                    case COMPLETED -> "completed";
                    case FAILED -> "failed";
                    // The gateway documents no cancel: no sandbox task of it is ever cancelled.
                    case CANCELLED -> "cancelled";
                })
                .put("progress", task.progress())
                .put("created_at", task.createdAt().getEpochSecond());
        task.videoUrl().ifPresent(url -> job.put("video_url", url.toString()));
        task.failure().ifPresent(failure -> job.putObject("error").put("message", failure.message()).put("code", failure.code()));
        return job;
    }

    private static ObjectNode envelope(String code, String type, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
        return body;
    }
}
