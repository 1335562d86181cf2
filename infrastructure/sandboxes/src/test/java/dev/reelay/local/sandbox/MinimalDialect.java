package dev.reelay.local.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest dialect on the kit, calling back on every status change and taking frames as plain base64,
 * as Kling does: {@code POST /jobs} with {@code prompt}, {@code image} (base64), {@code callback_url} and
 * {@code external_id}; {@code GET /jobs/{id}} by task id or external id.
 */
final class MinimalDialect implements Dialect {
    static final String TOKEN = "minimal-token";
    private final AtomicInteger ids = new AtomicInteger();

    @Override
    public String name() {
        return "minimal";
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of("token", TOKEN);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.submission("POST", "/jobs", (call, tasks) -> job(tasks.submit(parse(call.jsonObject())))),
                Route.lookup("GET", "/jobs/{id}", (call, tasks) -> {
                    String id = call.pathParam("id");
                    return job(tasks.find(id).or(() -> tasks.findByExternalId(id))
                            .orElseThrow(() -> ApiError.taskNotFound("No job " + id)));
                }));
    }

    @Override
    public void authenticate(Call call) throws ApiError {
        if (!call.header("X-Token").filter(TOKEN::equals).isPresent()) {
            throw ApiError.unauthenticated("Send X-Token");
        }
    }

    @Override
    public String newTaskId(Instant createdAt) {
        return "job-" + ids.incrementAndGet();
    }

    @Override
    public JsonNode errorBody(ApiError error) {
        return JsonNodeFactory.instance.objectNode()
                .put("code", error.vendorCode().orElse(error.kind().name()))
                .put("message", error.getMessage());
    }

    @Override
    public SandboxFaults.Refusal typicalRefusal(int status) {
        return new SandboxFaults.Refusal(status, "E" + status, "Refused");
    }

    @Override
    public CallbackPolicy callbackPolicy() {
        return CallbackPolicy.everyStatusChange();
    }

    @Override
    public JsonNode callbackBody(TaskSnapshot task) {
        return job(task);
    }

    private static Job parse(JsonNode body) throws ApiError {
        Optional<String> image = RequestFields.text(body, "image");
        Optional<ImageInput> frame = image.isPresent() ? Optional.of(ImageInput.base64("image", image.get())) : Optional.empty();
        Optional<String> callback = RequestFields.text(body, "callback_url");
        return new Job("minimal-v1", RequestFields.text(body, "prompt").orElse(""), frame, Optional.empty(), 3,
                Quality.HD, false, Optional.empty(),
                callback.isPresent() ? Optional.of(RequestFields.absoluteUrl("callback_url", callback.get())) : Optional.empty(),
                RequestFields.text(body, "external_id"));
    }

    private static ObjectNode job(TaskSnapshot task) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("id", task.id()).put("status", task.status().name());
        task.videoUrl().ifPresent(url -> json.put("video", url.toString()));
        return json;
    }
}
