package dev.reelay.adapter.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.port.ProviderClient;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.reelay.adapter.provider.VendorHttp;

import static dev.reelay.adapter.provider.VendorHttp.putIfPresent;
import static dev.reelay.adapter.provider.VendorHttp.text;

/**
 * An OpenAI-style gateway (docs/vendors.md; the shape of the open-source new-api gateway's video routes):
 * {@code POST /v1/video/generations}, {@code GET /v1/videos/{task_id}}, bearer API key.
 *
 * <p>Request mapping: the model id {@code kling-v3-{std|pro}-{silent|audio}} carries tier and sound
 * ({@code 720p} is std, {@code 1080p} pro; the gateway offers no 4k, refused before any call);
 * {@code image}/{@code last_image} the first and last frames; {@code duration} an integer; Kling's
 * own fields go under {@code extra_body}: {@code negative_prompt}, {@code cfg_scale},
 * {@code multi_prompt} and {@code element_list} as Reelay holds them, and {@code shot_type}, where
 * the gateway spells {@code intelligent} what Kling and Reelay call {@code intelligence}.
 * {@code multi_shot} has no field: the gateway infers it from the shots. In image mode the gateway's documentation
 * forbids {@code prompt} next to {@code extra_body.multi_prompt}, so the shots' prompts go alone.
 * Parameters it has no field for (subjects, voices, camera, masks, watermark) are refused.
 *
 * <p>Answers, read tolerantly: the create answer is the job object ({@code task_id} or {@code id},
 * possibly wrapped in {@code data}); the query answer {@code {"id","task_id","object":"video.generation.job",
 * "model","status","progress","video_url"}}, where new-api versions also put the URL under
 * {@code output.video_url} or {@code metadata.url} and write statuses {@code queued}/{@code in_progress}/
 * {@code completed}/{@code failed}; a failure's reason is in {@code error.message} or
 * {@code fail_reason}. Errors come in the OpenAI envelope {@code {"error":{"message","type","code"}}},
 * classified by HTTP status. Callbacks, cancel and external task ids are undocumented: no
 * {@code callback_url} is sent, a job-object-shaped callback body is read, anything else is not ours.
 */
public final class GatewayProviderClient implements ProviderClient {
    public static final String NAME = GatewayVendor.NAME;

    private final VendorHttp vendor;
    private final ObjectMapper json;

    public GatewayProviderClient(HttpTransport http, URI baseUrl, Supplier<String> apiKey, ObjectMapper json) {
        this.vendor = new VendorHttp(NAME, http, baseUrl, apiKey, json);
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Submission submit(ProviderJob job) {
        JsonNode task = VendorHttp.task(vendor.post("/v1/video/generations", request(job)));
        String id = text(task, "task_id", "id");
        if (id == null) {
            throw vendor.badAnswer("accepted the job but sent no task id");
        }
        return new Submission(id, task.path("estimated_time").asInt(0));
    }

    private ObjectNode request(ProviderJob job) {
        vendor.requireOnly(job.modelParams(), GatewayVendor.PARAMETERS);
        String tier = switch (job.quality()) {
            case "720p" -> "std";
            case "1080p" -> "pro";
            default -> throw vendor.invalidRequest("The gateway offers Kling v3 in 720p and 1080p only, not " + job.quality());
        };
        if (job.imageStart() == null && job.imageEnd() != null) {
            throw vendor.invalidRequest("The gateway needs a first frame with a last frame");
        }
        Map<String, Object> params = job.modelParams();
        ObjectNode body = json.createObjectNode();
        body.put("model", "kling-v3-" + tier + "-" + (vendor.soundOn(job.sound()) ? "audio" : "silent"));
        if (job.imageStart() == null || !params.containsKey("multi_prompt")) {
            putIfPresent(body, "prompt", job.prompt());
        }
        if (job.imageStart() != null) {
            body.put("image", job.imageStart().url().toString());
        }
        if (job.imageEnd() != null) {
            body.put("last_image", job.imageEnd().url().toString());
        }
        putIfPresent(body, "aspect_ratio", job.aspectRatio());
        body.put("duration", job.durationSeconds());

        ObjectNode extra = json.createObjectNode();
        putIfPresent(extra, "negative_prompt", job.negativePrompt());
        for (String field : new String[] {"cfg_scale", "multi_prompt", "element_list"}) {
            if (params.containsKey(field)) {
                extra.set(field, json.valueToTree(params.get(field)));
            }
        }
        if (params.get("shot_type") != null) {
            String shotType = params.get("shot_type").toString();
            extra.put("shot_type", shotType.equals("intelligence") ? "intelligent" : shotType);
        }
        if (!extra.isEmpty()) {
            body.set("extra_body", extra);
        }
        return body;
    }

    @Override
    public JobStatus query(String providerTaskId) {
        return statusOf(VendorHttp.task(vendor.get("/v1/videos/" + VendorHttp.segment(providerTaskId))), providerTaskId);
    }

    @Override
    public Optional<CallbackReport> parseCallback(byte[] body) {
        return vendor.callback(body, this::statusOf);
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return vendor.download(videoUrl);
    }

    private JobStatus statusOf(JsonNode task, String taskId) {
        String videoUrl = text(task, "video_url");
        if (videoUrl == null) {
            videoUrl = Optional.ofNullable(text(task.path("output"), "video_url")).orElse(text(task.path("metadata"), "url"));
        }
        return vendor.status(task, taskId, videoUrl);
    }
}
