package dev.reelay.adapter.provider.kling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.ProviderErrors;
import dev.reelay.adapter.provider.VideoDownloads;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.VendorStatus;
import dev.reelay.port.ProviderClient;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Kling's official API (docs/vendors.md): {@code POST /v1/videos/{image2video,text2video}}, {@code GET
 * /v1/videos/{route}/{task_id}}, every answer in the envelope {@code {"code","message","request_id","data"}}
 * where a non-zero {@code code} is a refusal whatever the HTTP status.
 *
 * <p><b>Provider task ids are composite</b>, {@code <route>/<kling task id>} (e.g.
 * {@code image2video/8375023}), because a query must name the route the task was created on;
 * {@link #query} refuses an id without it.
 *
 * <p>Assumptions where Kling's documentation is silent or ambiguous:
 * <ul>
 * <li>Lookup by external id is {@code GET /v1/videos/image2video?external_task_id=<id>}, then the same on
 *     text2video. {@code data} may be a task object or a list; a listed task counts only if its
 *     {@code task_info.external_task_id} matches (or, lacking one, it is the only task listed), so a
 *     server that ignored the filter and sent a page of tasks cannot hand us another job's task. 404,
 *     1202, 1203, a null {@code data} and an empty list mean "none".</li>
 * <li>A callback is the bare task object (an envelope-wrapped one is accepted too). It does not say
 *     which route the task came from: unless a {@code task_type}/{@code type}/{@code action} field (top
 *     level or in {@code task_info}) names one, the id is reported as {@code image2video/<id>}.</li>
 * <li>{@code aspect_ratio} goes to text2video only: Kling's documented image2video has no such field (the frame
 *     sets the ratio).</li>
 * <li>Advanced parameters outside Kling's documented list for the route (e.g. {@code subjects}, or masks on
 *     text2video) are refused rather than silently dropped; so is quality {@code 4k}. text2video is
 *     assumed to take the rest of the list (Kling documents image2video only).</li>
 * <li>Loosely typed parameters are sent in the documented types: {@code multi_shot} a boolean (one documented
 *     example sends {@code "true"}), {@code multi_prompt[].duration} a string, {@code index} an int,
 *     numeric {@code element_list[].element_id} a long, {@code cfg_scale} a number.</li>
 * <li>1003/1004 (token not yet valid / expired), or a 401 whose body could not be read, get one fresh
 *     token and one retry, with access keys only: a plain API key cannot be renewed.</li>
 * <li>Kling reports no progress and no estimate: progress is 0 queued, 50 processing, 100 ended;
 *     the estimate is 0.</li>
 * </ul>
 */
public final class KlingProviderClient implements ProviderClient {
    public static final String NAME = KlingVendor.NAME;
    static final String MODEL_NAME = "kling-v3";

    /** Kling's two creation routes, each serving one Reelay model. */
    enum Route {
        IMAGE2VIDEO("image2video", "kling-v3-image-to-video", KlingVendor.IMAGE_TO_VIDEO_PARAMETERS),
        TEXT2VIDEO("text2video", "kling-v3-text-to-video", KlingVendor.TEXT_TO_VIDEO_PARAMETERS);

        final String path;
        final String reelayModel;
        final Set<String> params;

        Route(String path, String reelayModel, Set<String> params) {
            this.path = path;
            this.reelayModel = reelayModel;
            this.params = params;
        }

        static Optional<Route> ofModel(String model) {
            return Arrays.stream(values()).filter(r -> r.reelayModel.equals(model)).findFirst();
        }

        static Optional<Route> ofPath(String path) {
            return Arrays.stream(values()).filter(r -> r.path.equals(path)).findFirst();
        }
    }

    private static final Map<String, String> MODES = Map.of("720p", "std", "1080p", "pro");
    private static final List<String> ROUTE_HINTS = List.of("task_type", "type", "action");

    private final HttpTransport http;
    private final String baseUrl;
    private final Supplier<KlingCredentials> credentials;
    private final ObjectMapper json;
    private final KlingJwtSigner signer;

    /**
     * @param baseUrl e.g. {@code https://api-singapore.klingai.com}; a path prefix is kept
     * @param credentials read on every call, so rotated keys take effect without a restart
     * @param clock the JWT's notion of now
     */
    public KlingProviderClient(HttpTransport http, URI baseUrl, Supplier<KlingCredentials> credentials,
                               ObjectMapper json, Clock clock) {
        this.http = http;
        this.baseUrl = baseUrl.toString().replaceAll("/+$", "");
        this.credentials = credentials;
        this.json = json;
        this.signer = new KlingJwtSigner(clock, json);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Submission submit(ProviderJob job) {
        Route route = Route.ofModel(job.model())
                .orElseThrow(() -> KlingErrors.invalidJob("model '" + job.model() + "' is not a Kling v3 model"));
        JsonNode task = call(SdkHttpMethod.POST, "/v1/videos/" + route.path, requestBody(route, job));
        String taskId = task.path("task_id").asText("");
        if (taskId.isBlank()) {
            throw KlingErrors.badAnswer(200, "accepted the job but sent no task_id");
        }
        return new Submission(route.path + "/" + taskId, 0);
    }

    ObjectNode requestBody(Route route, ProviderJob job) {
        String mode = mode(job.quality());
        ObjectNode body = json.createObjectNode();
        body.put("model_name", MODEL_NAME);
        if (route == Route.IMAGE2VIDEO) {
            putText(body, "image", image("image", job.imageStart()));
            putText(body, "image_tail", image("image_tail", job.imageEnd()));
        } else if (job.imageStart() != null || job.imageEnd() != null) {
            throw KlingErrors.invalidJob("text2video takes no image");
        }
        putText(body, "prompt", job.prompt());
        putText(body, "negative_prompt", job.negativePrompt());
        body.put("duration", Integer.toString(job.durationSeconds()));
        putText(body, "mode", mode);
        putText(body, "sound", job.sound());
        if (route == Route.TEXT2VIDEO) {
            putText(body, "aspect_ratio", job.aspectRatio());
        }
        putText(body, "callback_url", job.callbackUrl() == null ? null : job.callbackUrl().toString());
        putText(body, "external_task_id", job.externalTaskId());
        job.modelParams().forEach((name, value) -> {
            if (!route.params.contains(name)) {
                throw KlingErrors.invalidJob("parameter '" + name + "' is not offered on " + route.path);
            }
            JsonNode node;
            try {
                node = param(name, json.valueToTree(value));
            } catch (IllegalArgumentException badValue) {
                throw KlingErrors.invalidJob("parameter '" + name + "' has a malformed value (" + badValue.getMessage() + ")");
            }
            if (!node.isNull() && !(node.isTextual() && node.asText().isBlank())) {
                body.set(name, node);
            }
        });
        return body;
    }

    private static String mode(String quality) {
        if (quality == null) {
            return null;
        }
        String mode = MODES.get(quality.toLowerCase(Locale.ROOT));
        if (mode == null) {
            throw KlingErrors.invalidJob("quality '" + quality + "' is not offered (only 720p and 1080p)");
        }
        return mode;
    }

    /** An https URL as it is; anything else Kling cannot fetch, so the bytes go inline as raw base64. */
    private static String image(String field, ProviderImage image) {
        if (image == null) {
            return null;
        }
        if (image.url() != null && "https".equalsIgnoreCase(image.url().getScheme())) {
            return image.url().toString();
        }
        byte[] bytes = image.content() == null ? null : image.content().get();
        if (bytes == null || bytes.length == 0) {
            throw KlingErrors.invalidJob(field + " is not an https URL and its bytes are not available");
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Brings loosely typed values to Kling's documented types: booleans, string durations, numeric ids. */
    private JsonNode param(String name, JsonNode value) {
        return switch (name) {
            case "multi_shot" -> value.isTextual() ? json.getNodeFactory().booleanNode(bool(value.asText())) : value;
            case "cfg_scale" -> value.isTextual() ? json.getNodeFactory().numberNode(Double.parseDouble(value.asText())) : value;
            case "multi_prompt" -> eachItem(value, item -> {
                if (item.has("duration")) {
                    item.put("duration", wholeNumberText(item.get("duration")));
                }
                if (item.path("index").isTextual()) {
                    item.put("index", Integer.parseInt(item.get("index").asText().trim()));
                }
            });
            case "element_list" -> eachItem(value, item -> {
                if (item.path("element_id").isTextual() && item.get("element_id").asText().trim().matches("\\d+")) {
                    item.put("element_id", Long.parseLong(item.get("element_id").asText().trim()));
                }
            });
            default -> value;
        };
    }

    private static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not a boolean");
        };
    }

    private static JsonNode eachItem(JsonNode value, Consumer<ObjectNode> fix) {
        JsonNode list = value.deepCopy();
        if (list.isArray()) {
            list.forEach(item -> {
                if (item.isObject()) {
                    fix.accept((ObjectNode) item);
                }
            });
        }
        return list;
    }

    private static String wholeNumberText(JsonNode number) {
        return number.isNumber() && number.canConvertToLong() && number.asDouble() == number.asLong()
                ? Long.toString(number.asLong()) : number.asText();
    }

    @Override
    public JobStatus query(String providerTaskId) {
        int slash = providerTaskId == null ? -1 : providerTaskId.indexOf('/');
        Route route = slash < 0 ? null : Route.ofPath(providerTaskId.substring(0, slash)).orElse(null);
        if (route == null || slash == providerTaskId.length() - 1) {
            throw KlingErrors.invalidJob("'" + providerTaskId + "' is not a Kling task id (<route>/<task_id>)");
        }
        return statusOf(call(SdkHttpMethod.GET, "/v1/videos/" + route.path + "/"
                + encode(providerTaskId.substring(slash + 1)), null));
    }

    @Override
    public Optional<Submission> findByExternalTaskId(String externalTaskId) {
        for (Route route : Route.values()) {
            JsonNode data;
            try {
                data = call(SdkHttpMethod.GET, "/v1/videos/" + route.path + "?external_task_id=" + encode(externalTaskId), null);
            } catch (ProviderException e) {
                if (e.kind() == ProviderErrorKind.NOT_FOUND) {
                    continue;
                }
                throw e;
            }
            Optional<String> taskId = matchingTaskId(data, externalTaskId);
            if (taskId.isPresent()) {
                return Optional.of(new Submission(route.path + "/" + taskId.get(), 0));
            }
        }
        return Optional.empty();
    }

    /** Kling keeps {@code external_task_id} unique per account and answers a query by it. */
    @Override
    public boolean findsJobsByExternalTaskId() {
        return true;
    }

    private static Optional<String> matchingTaskId(JsonNode data, String externalTaskId) {
        List<JsonNode> listed = new ArrayList<>();
        if (data.isArray()) {
            data.forEach(listed::add);
        } else if (data.isObject()) {
            listed.add(data);
        }
        List<String> matches = new ArrayList<>();
        for (JsonNode task : listed) {
            JsonNode external = task.path("task_info").path("external_task_id");
            boolean ours = external.isMissingNode() || external.isNull() ? listed.size() == 1
                    : external.asText().equals(externalTaskId);
            if (ours && !task.path("task_id").asText("").isBlank()) {
                matches.add(task.path("task_id").asText());
            }
        }
        if (matches.size() > 1) {
            throw KlingErrors.badAnswer(200, "listed " + matches.size() + " tasks for external_task_id " + externalTaskId);
        }
        return matches.stream().findFirst();
    }

    /** Kling posts the task object on every status change; see the class comment for the route. */
    @Override
    public Optional<CallbackReport> parseCallback(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException notJson) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        JsonNode task = root.has("task_id") ? root : root.path("data");
        String taskId = task.path("task_id").isValueNode() ? task.path("task_id").asText() : "";
        if (taskId.isBlank() || VendorStatus.of(task.path("task_status").asText(null)).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new CallbackReport(routeHint(task).path + "/" + taskId, statusOf(task)));
    }

    private static Route routeHint(JsonNode task) {
        for (JsonNode holder : List.of(task, task.path("task_info"))) {
            for (String field : ROUTE_HINTS) {
                String hint = holder.path(field).asText("");
                if (hint.contains(Route.TEXT2VIDEO.path)) {
                    return Route.TEXT2VIDEO;
                }
                if (hint.contains(Route.IMAGE2VIDEO.path)) {
                    return Route.IMAGE2VIDEO;
                }
            }
        }
        return Route.IMAGE2VIDEO;
    }

    private static JobStatus statusOf(JsonNode task) {
        String status = task.path("task_status").asText("");
        JobState state = VendorStatus.of(status).orElseThrow(() -> KlingErrors.badAnswer(200,
                "reported an unknown status '" + status + "' for task " + task.path("task_id").asText()));
        return switch (state) {
            case QUEUED -> new JobStatus(state, 0, null, null);
            case RUNNING -> new JobStatus(state, 50, null, null);
            case SUCCEEDED -> new JobStatus(state, 100, videoUrl(task), null);
            case FAILED, CANCELLED -> new JobStatus(state, 100, null, task.path("task_status_msg").asText("").isBlank()
                    ? "Kling reported the task " + status + "." : task.path("task_status_msg").asText());
        };
    }

    private static URI videoUrl(JsonNode task) {
        String url = task.path("task_result").path("videos").path(0).path("url").asText("");
        if (url.isBlank()) {
            throw KlingErrors.badAnswer(200, "finished task " + task.path("task_id").asText() + " but gave no video URL");
        }
        return URI.create(url);
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return VideoDownloads.open(http, NAME, videoUrl);
    }

    /** One call, with one fresh-token retry when Kling says the JWT is expired or not yet valid. */
    private JsonNode call(SdkHttpMethod method, String pathAndQuery, ObjectNode body) {
        byte[] bytes = write(body);
        KlingCredentials current = credentials.get();
        String bearer = bearer(current);
        HttpTransport.Response response = send(method, pathAndQuery, bearer, bytes);
        JsonNode envelope = envelope(response);
        String code = code(envelope);
        if (current instanceof KlingCredentials.AccessKeys && tokenRefused(response, envelope, code)) {
            signer.invalidate(bearer);
            response = send(method, pathAndQuery, bearer(credentials.get()), bytes);
            envelope = envelope(response);
            code = code(envelope);
        }
        if (!response.ok() || envelope == null || !"0".equals(code)) {
            throw refusal(response, envelope, code);
        }
        return envelope.path("data");
    }

    /**
     * 1003/1004, or a 401 without a readable body: the url-connection client loses the body of a 401
     * answer to a POST (HttpURLConnection's streaming mode), so the code cannot be seen there.
     */
    private static boolean tokenRefused(HttpTransport.Response response, JsonNode envelope, String code) {
        return KlingErrors.TOKEN_EXPIRED.equals(code) || KlingErrors.TOKEN_NOT_YET_VALID.equals(code)
                || (response.status() == 401 && envelope == null);
    }

    private String bearer(KlingCredentials credentials) {
        if (credentials instanceof KlingCredentials.ApiKey key) {
            return key.value();
        }
        return signer.token((KlingCredentials.AccessKeys) credentials);
    }

    private HttpTransport.Response send(SdkHttpMethod method, String pathAndQuery, String bearer, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + bearer);
        headers.put("Accept", "application/json");
        if (body != null) {
            headers.put("Content-Type", "application/json");
        }
        try {
            return http.send(method, URI.create(baseUrl + pathAndQuery), headers, body);
        } catch (IOException e) {
            throw ProviderErrors.unreachable(NAME, e);
        }
    }

    /** The answer's JSON object, or null when it is not one (e.g. a proxy's HTML error page). */
    private JsonNode envelope(HttpTransport.Response response) {
        try {
            JsonNode node = response.body().length == 0 ? null : json.readTree(response.body());
            return node != null && node.isObject() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String code(JsonNode envelope) {
        JsonNode code = envelope == null ? null : envelope.get("code");
        return code == null || code.isNull() ? null : code.asText().trim();
    }

    private static ProviderException refusal(HttpTransport.Response response, JsonNode envelope, String code) {
        if (response.ok() && (envelope == null || code == null)) {
            return KlingErrors.badAnswer(response.status(), "sent an answer that is not its envelope");
        }
        String message = envelope == null ? null : envelope.path("message").asText(null);
        if (message == null) {
            String text = new String(response.body(), StandardCharsets.UTF_8).strip();
            message = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        }
        return KlingErrors.of(response.status(), "0".equals(code) ? null : code, message,
                envelope == null ? null : envelope.path("request_id").asText(null));
    }

    private byte[] write(ObjectNode body) {
        try {
            return body == null ? null : json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write the Kling request body", e);
        }
    }

    private static void putText(ObjectNode body, String name, String value) {
        if (value != null && !value.isBlank()) {
            body.put(name, value);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
