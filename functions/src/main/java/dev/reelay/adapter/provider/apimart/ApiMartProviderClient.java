package dev.reelay.adapter.provider.apimart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * APIMart's dialect for Kling v3 (docs/vendors.md): {@code POST /v1/videos/generations} with model
 * {@code kling-v3}, {@code GET /v1/tasks/{task_id}}, bearer API key.
 *
 * <p>APIMart documents the request fields but not the answers' envelope beyond "status code, 200
 * on success" and "data array". Assumed, from APIMart's public examples, and read tolerantly:
 * <ul>
 *   <li>create answers {@code {"code":200,"data":[{"status":"submitted","task_id":"task_..."}]}};
 *       {@code data} may also be a single object, the id {@code task_id} or {@code id}, and an
 *       {@code estimated_time} (seconds) there is taken as the estimate;</li>
 *   <li>query answers {@code {"code":200,"data":{"id","status","progress","result":{"videos":[{"url":["https://..."],
 *       "expires_at"}]},"estimated_time","actual_time"}}}, {@code data} an object or a one-element array;
 *       the video URL a string or a list (its first is taken), or {@code video_url} on the task;
 *       statuses {@code submitted}/{@code pending}/{@code processing}/{@code completed}/{@code failed}/
 *       {@code cancelled}; a failure's reason in {@code error.message}, {@code fail_reason},
 *       {@code error} or {@code message};</li>
 *   <li>errors come as {@code {"error":{"code","message","type"}}} or {@code {"code":<non-200>,"message"}},
 *       classified by HTTP status; a 200 answer whose {@code code} is an HTTP error status (400–599)
 *       is classified by that code;</li>
 *   <li>callbacks are undocumented: a body shaped like a query answer (or its {@code data}) is read,
 *       anything else is not ours; {@code callback_url} is not sent, the workflow's polling finds the
 *       result; external task ids are undocumented, so none is offered;</li>
 *   <li>cancel is undocumented too, but APIMart reports a {@code cancelled} status: ASSUMED as
 *       {@code POST /v1/tasks/{task_id}/cancel} answering the task (under {@code data}, like a query),
 *       read tolerantly (see {@link AssumedCancel}).</li>
 * </ul>
 *
 * <p>Request mapping: quality {@code 720p}/{@code 1080p}/{@code 4k} is {@code mode}
 * {@code std}/{@code pro}/{@code 4k}; {@code duration} an unquoted integer (APIMart warns a quoted
 * one fails); {@code image_urls} the first frame, then the last; {@code audio} is always sent, so
 * silence never depends on an undocumented default; {@code watermark} from
 * {@code watermark_info.enabled}; {@code multi_prompt} shots as {@code {index, prompt, duration}}
 * with integers (index numbered from 1 when a shot has none). APIMart names the subject list only
 * in prose ("Reference subject list, up to 3 subjects", created on the fly from {@code name},
 * {@code description}, {@code element_input_urls}); it is sent as {@link #SUBJECTS_FIELD}, Kling's
 * own name for its reference subject list, which APIMart relays. Model parameters APIMart has no
 * field for ({@code cfg_scale}, {@code element_list} ids, voices, camera, masks) are refused.
 */
public final class ApiMartProviderClient implements ProviderClient {
    public static final String NAME = ApiMartVendor.NAME;
    static final String MODEL = "kling-v3";
    static final String SUBJECTS_FIELD = "element_list";

    private final VendorHttp vendor;
    private final ObjectMapper json;

    public ApiMartProviderClient(HttpTransport http, URI baseUrl, Supplier<String> apiKey, ObjectMapper json) {
        this.vendor = new VendorHttp(NAME, http, baseUrl, apiKey, json);
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Submission submit(ProviderJob job) {
        JsonNode task = VendorHttp.task(checked(vendor.post("/v1/videos/generations", request(job))));
        String id = text(task, "task_id", "id");
        if (id == null) {
            throw vendor.badAnswer("accepted the job but sent no task id");
        }
        return new Submission(id, task.path("estimated_time").asInt(0));
    }

    private ObjectNode request(ProviderJob job) {
        vendor.requireOnly(job.modelParams(), ApiMartVendor.PARAMETERS);
        if (job.imageStart() == null && job.imageEnd() != null) {
            throw vendor.invalidRequest("APIMart refuses a last frame without a first frame");
        }
        ObjectNode body = json.createObjectNode();
        body.put("model", MODEL);
        putIfPresent(body, "prompt", job.prompt());
        putIfPresent(body, "negative_prompt", job.negativePrompt());
        body.put("mode", mode(job.quality()));
        body.put("duration", job.durationSeconds());
        putIfPresent(body, "aspect_ratio", job.aspectRatio());
        if (job.imageStart() != null) {
            ArrayNode urls = body.putArray("image_urls").add(job.imageStart().url().toString());
            if (job.imageEnd() != null) {
                urls.add(job.imageEnd().url().toString());
            }
        }
        body.put("audio", vendor.soundOn(job.sound()));
        JsonNode params = json.valueToTree(job.modelParams());
        if (params.has("watermark_info")) {
            body.put("watermark", bool(params.path("watermark_info").path("enabled"), "watermark_info.enabled"));
        }
        if (params.has("multi_shot")) {
            body.put("multi_shot", bool(params.path("multi_shot"), "multi_shot"));
        }
        putIfPresent(body, "shot_type", text(params, "shot_type"));
        if (params.has("multi_prompt")) {
            body.set("multi_prompt", shots(params.path("multi_prompt")));
        }
        if (params.has("subjects")) {
            body.set(SUBJECTS_FIELD, params.path("subjects"));
        }
        return body;
    }

    private String mode(String quality) {
        return switch (quality) {
            case "720p" -> "std";
            case "1080p" -> "pro";
            case "4k" -> "4k";
            default -> throw vendor.invalidRequest("APIMart has no mode for quality " + quality);
        };
    }

    /** Shots as APIMart documents them, every number unquoted (Kling's own API quotes the durations). */
    private ArrayNode shots(JsonNode multiPrompt) {
        if (!multiPrompt.isArray()) {
            throw vendor.invalidRequest("multi_prompt must be a list of shots");
        }
        ArrayNode shots = json.createArrayNode();
        for (int i = 0; i < multiPrompt.size(); i++) {
            JsonNode shot = multiPrompt.get(i);
            shots.addObject()
                    .put("index", shot.has("index") ? integer(shot.path("index"), "multi_prompt index") : i + 1)
                    .put("prompt", shot.path("prompt").asText(""))
                    .put("duration", integer(shot.path("duration"), "multi_prompt duration"));
        }
        return shots;
    }

    private int integer(JsonNode value, String what) {
        String digits = value.isIntegralNumber() || value.isTextual() ? value.asText().trim() : "";
        if (digits.matches("\\d{1,4}")) {
            return Integer.parseInt(digits);
        }
        throw vendor.invalidRequest(what + " must be a whole number, not " + value);
    }

    private boolean bool(JsonNode value, String what) {
        if (value.isBoolean() || value.isTextual() && value.asText().matches("true|false")) {
            return Boolean.parseBoolean(value.asText());
        }
        throw vendor.invalidRequest(what + " must be true or false, not " + value);
    }

    @Override
    public JobStatus query(String providerTaskId) {
        JsonNode task = VendorHttp.task(checked(vendor.get("/v1/tasks/" + VendorHttp.segment(providerTaskId))));
        if (!task.isObject()) {
            throw vendor.badAnswer("sent no task data for " + providerTaskId);
        }
        return statusOf(task, providerTaskId);
    }

    /** ASSUMED endpoint, see {@link AssumedCancel}: true only when APIMart confirms it stopped the job. */
    @Override
    public boolean cancel(String providerTaskId) {
        return AssumedCancel.run(
                () -> text(VendorHttp.task(checked(vendor.post("/v1/tasks/" + VendorHttp.segment(providerTaskId) + "/cancel",
                        json.createObjectNode()))), "status"),
                () -> query(providerTaskId));
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
        JsonNode url = task.path("result").path("videos").path(0).path("url");
        if (url.isArray()) {
            url = url.path(0);
        }
        return vendor.status(task, taskId, url.isTextual() && !url.asText().isBlank() ? url.asText() : text(task, "video_url"));
    }

    /** A 200 answer may still carry an error status in its {@code code}. */
    private JsonNode checked(JsonNode answer) {
        int code = answer.path("code").asInt(200);
        if (code >= 400 && code <= 599) {
            throw vendor.error(code, answer);
        }
        return answer;
    }
}
