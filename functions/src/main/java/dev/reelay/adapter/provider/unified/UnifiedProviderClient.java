package dev.reelay.adapter.provider.unified;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.domain.provider.JobState;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.AssumedCancel;
import dev.reelay.adapter.provider.VendorHttp;
import dev.reelay.port.ProviderClient;

import java.net.URI;
import java.util.Optional;
import java.util.function.Supplier;

import static dev.reelay.adapter.provider.VendorHttp.putIfPresent;
import static dev.reelay.adapter.provider.VendorHttp.text;

/**
 * The unified aggregator's dialect (docs/vendors.md): {@code POST /v1/videos/generations},
 * {@code GET /v1/tasks/{id}}, bearer API key, errors as {@code {"error":{"code","message","type"}}}
 * classified by HTTP status (through {@link VendorHttp}, like the other bearer-key vendors; a base
 * URL's path prefix is kept). Cancel is an ASSUMPTION, read tolerantly: {@code POST /v1/tasks/{id}/cancel}
 * answering the task object (see {@link AssumedCancel}); the aggregator documents no cancel endpoint.
 */
public final class UnifiedProviderClient implements ProviderClient {
    public static final String NAME = UnifiedVendor.NAME;

    private final VendorHttp vendor;
    private final ObjectMapper json;

    public UnifiedProviderClient(HttpTransport http, URI baseUrl, Supplier<String> apiKey, ObjectMapper json) {
        this.vendor = new VendorHttp(NAME, http, baseUrl, apiKey, json);
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Submission submit(ProviderJob job) {
        ObjectNode body = json.createObjectNode();
        body.put("model", job.model());
        putIfPresent(body, "prompt", job.prompt());
        putIfPresent(body, "negative_prompt", job.negativePrompt());
        if (job.imageStart() != null) {
            body.put("image_start", job.imageStart().url().toString());
        }
        if (job.imageEnd() != null) {
            body.put("image_end", job.imageEnd().url().toString());
        }
        body.put("duration", job.durationSeconds());
        body.put("quality", job.quality());
        body.put("sound", job.sound());
        putIfPresent(body, "aspect_ratio", job.aspectRatio());
        if (job.callbackUrl() != null) {
            body.put("callback_url", job.callbackUrl().toString());
        }
        if (!job.modelParams().isEmpty()) {
            body.set("model_params", json.valueToTree(job.modelParams()));
        }
        JsonNode task = vendor.post("/v1/videos/generations", body);
        String id = task.path("id").asText(null);
        if (id == null) {
            throw vendor.badAnswer("accepted the job but sent no task id");
        }
        return new Submission(id, task.path("task_info").path("estimated_time").asInt(0));
    }

    @Override
    public JobStatus query(String providerTaskId) {
        return statusOf(vendor.get("/v1/tasks/" + VendorHttp.segment(providerTaskId)), providerTaskId);
    }

    /** ASSUMED endpoint, see {@link AssumedCancel}: true only when the aggregator confirms it stopped the job. */
    @Override
    public boolean cancel(String providerTaskId) {
        return AssumedCancel.run(
                () -> text(vendor.post("/v1/tasks/" + VendorHttp.segment(providerTaskId) + "/cancel", json.createObjectNode()), "status"),
                () -> query(providerTaskId));
    }

    /** The aggregator calls back once, when the task ends, with the same object a query returns. */
    @Override
    public Optional<CallbackReport> parseCallback(byte[] body) {
        return vendor.callback(body, this::statusOf);
    }

    /**
     * Completed tasks list their videos in {@code results}; older answers used {@code video_url}. A
     * failure without a reason keeps the aggregator's own wording of its status.
     */
    private JobStatus statusOf(JsonNode task, String taskId) {
        JsonNode results = task.path("results");
        JobStatus status = vendor.status(task, taskId,
                results.isArray() && !results.isEmpty() ? results.get(0).asText(null) : text(task, "video_url"));
        boolean ended = status.state() == JobState.FAILED || status.state() == JobState.CANCELLED;
        return ended && status.failureMessage() == null
                ? new JobStatus(status.state(), status.progress(), null, "The provider reported the task " + text(task, "status") + ".")
                : status;
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return vendor.download(videoUrl);
    }
}
