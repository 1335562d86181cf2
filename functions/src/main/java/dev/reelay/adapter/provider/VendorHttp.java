package dev.reelay.adapter.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.VendorStatus;
import dev.reelay.port.ProviderClient.CallbackReport;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.VideoDownload;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * What the gateway and APIMart adapters share: bearer-key JSON calls, errors in the OpenAI envelope
 * {@code {"error":{"code","message","type"}}} or flat {@code {"code","message"}} classified by HTTP
 * status through {@link ProviderErrors}, the task lifecycle through {@link VendorStatus}, and
 * video downloads.
 */
public final class VendorHttp {
    private static final int SNIPPET = 200;

    private final String provider;
    private final HttpTransport http;
    private final String baseUrl;
    private final Supplier<String> apiKey;
    private final ObjectMapper json;

    public VendorHttp(String provider, HttpTransport http, URI baseUrl, Supplier<String> apiKey, ObjectMapper json) {
        this.provider = provider;
        this.http = http;
        // Appended rather than resolved, so a base URL with a path prefix (e.g. https://host/api) keeps it.
        this.baseUrl = baseUrl.toString().replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.json = json;
    }

    public JsonNode post(String path, JsonNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Serialising a " + provider + " request", e);
        }
        return call(SdkHttpMethod.POST, path, bytes);
    }

    public JsonNode get(String path) {
        return call(SdkHttpMethod.GET, path, null);
    }

    /** A successful exchange's JSON object; any other answer is thrown, classified. */
    private JsonNode call(SdkHttpMethod method, String path, byte[] body) {
        HttpTransport.Response response;
        try {
            response = http.send(method, URI.create(baseUrl + path),
                    Map.of("Authorization", "Bearer " + apiKey.get(), "Content-Type", "application/json",
                            "Accept", "application/json"), body);
        } catch (IOException e) {
            throw ProviderErrors.unreachable(provider, e);
        }
        Optional<JsonNode> answer = readObject(response.body());
        if (!response.ok()) {
            // A proxy in front of the vendor may answer with HTML: its first words are the message.
            throw error(response.status(), answer.orElseGet(() -> json.createObjectNode()
                    .put("message", snippet(response.body()))));
        }
        return answer.orElseThrow(() -> badAnswer("answered " + response.status() + " with something that is not a JSON object: "
                + snippet(response.body())));
    }

    /** Classifies an error answer by {@code status} (the HTTP status, or the status-like code of a 200 answer). */
    public ProviderException error(int status, JsonNode answer) {
        JsonNode error = answer.path("error").isObject() ? answer.path("error") : answer;
        String message = text(error, "message", "msg");
        return ProviderErrors.fromHttp(provider, status, vendorCode(error),
                message == null ? text(answer, "error") : message);
    }

    /** A code naming the failure (e.g. {@code content_policy_violation}) says more than the type or a bare number. */
    private static String vendorCode(JsonNode error) {
        String code = text(error, "code");
        String type = text(error, "type");
        if (code != null && !code.chars().allMatch(Character::isDigit)) {
            return code;
        }
        return type != null ? type : code;
    }

    /**
     * Where a task stands. {@code videoUrl} is read by the caller in its vendor's dialect; a task
     * that succeeded without one, or whose status is missing or unknown, is a bad answer.
     */
    public JobStatus status(JsonNode task, String taskId, String videoUrl) {
        String status = text(task, "status");
        JobState state = VendorStatus.of(status).orElseThrow(() -> badAnswer(status == null
                ? "sent no status for task " + taskId : "reported an unknown status '" + status + "' for task " + taskId));
        return switch (state) {
            case SUCCEEDED -> new JobStatus(state, 100, videoUri(videoUrl, taskId), null);
            case FAILED, CANCELLED -> new JobStatus(state, progress(task), null, failureMessage(task));
            default -> new JobStatus(state, progress(task), null, null);
        };
    }

    private URI videoUri(String url, String taskId) {
        if (url == null) {
            throw badAnswer("completed task " + taskId + " but gave no video URL");
        }
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ProviderException(provider, ProviderErrorKind.PROVIDER_UNAVAILABLE, 200, null,
                    provider + " gave an invalid video URL for task " + taskId + ": " + url, e);
        }
    }

    /** A number, or text such as {@code "40%"}; progress only informs, so an unreadable one counts as 0. */
    private static int progress(JsonNode task) {
        JsonNode progress = task.path("progress");
        double value;
        try {
            value = progress.isNumber() ? progress.asDouble() : Double.parseDouble(progress.asText("").replace("%", "").trim());
        } catch (NumberFormatException unreadable) {
            value = 0;
        }
        return (int) Math.max(0, Math.min(100, Math.round(value)));
    }

    /** Null when the vendor gave no reason; the workflow then words one itself. */
    private static String failureMessage(JsonNode task) {
        String message = text(task.path("error"), "message");
        return message != null ? message : text(task, "fail_reason", "error", "message");
    }

    public VideoDownload download(URI videoUrl) {
        return VideoDownloads.open(http, provider, videoUrl);
    }

    /**
     * A callback body shaped like one of this vendor's tasks (bare, or wrapped in {@code data} like a
     * query answer), with an id and a known status; empty for anything else.
     */
    public Optional<CallbackReport> callback(byte[] body, BiFunction<JsonNode, String, JobStatus> statusOf) {
        return readObject(body).map(VendorHttp::task).filter(VendorHttp::isTask).map(task -> {
            String id = text(task, "task_id", "id");
            return new CallbackReport(id, statusOf.apply(task, id));
        });
    }

    /** The body as a JSON object; empty when it is not one (callbacks, proxies' error pages). */
    private Optional<JsonNode> readObject(byte[] body) {
        try {
            JsonNode node = body == null || body.length == 0 ? null : json.readTree(body);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    private static boolean isTask(JsonNode task) {
        return text(task, "task_id", "id") != null && VendorStatus.of(text(task, "status")).isPresent();
    }

    /** The task object of an answer: its {@code data} (an object, or the first of an array) when it has one. */
    public static JsonNode task(JsonNode answer) {
        JsonNode data = answer.path("data");
        if (data.isArray()) {
            return data.isEmpty() ? MissingNode.getInstance() : data.get(0);
        }
        return data.isObject() ? data : answer.has("data") ? MissingNode.getInstance() : answer;
    }

    /** Refuses model parameters this vendor has no field for, rather than generating something else. */
    public void requireOnly(Map<String, Object> modelParams, Set<String> supported) {
        Set<String> unsupported = new TreeSet<>(modelParams.keySet());
        unsupported.removeAll(supported);
        if (!unsupported.isEmpty()) {
            throw invalidRequest(provider + " has no field for the model parameters " + unsupported);
        }
    }

    /** The first of {@code fields} holding a non-blank text or a number, as text; null when none does. */
    public static String text(JsonNode node, String... fields) {
        for (String field : fields) {
            JsonNode value = node.path(field);
            if ((value.isTextual() && !value.asText().isBlank()) || value.isNumber()) {
                return value.asText();
            }
        }
        return null;
    }

    public static void putIfPresent(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    /** A task id as one path segment. */
    public static String segment(String taskId) {
        return URLEncoder.encode(taskId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public boolean soundOn(String sound) {
        return switch (sound) {
            case "on" -> true;
            case "off" -> false;
            default -> throw invalidRequest("sound must be on or off, not " + sound);
        };
    }

    /** The vendor answered, but not in a shape we can use: retried, like any unavailability. */
    public ProviderException badAnswer(String what) {
        return new ProviderException(provider, ProviderErrorKind.PROVIDER_UNAVAILABLE, 200, null, provider + " " + what + ".");
    }

    public ProviderException invalidRequest(String what) {
        return new ProviderException(provider, ProviderErrorKind.INVALID_REQUEST, 0, null, what + ".");
    }

    private static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() <= SNIPPET ? text : text.substring(0, SNIPPET) + "…";
    }
}
