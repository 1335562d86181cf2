package dev.reelay.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.provider.VendorStatus;
import dev.reelay.port.ProviderClient;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The unified aggregator's dialect (seeds 000 and 004): {@code POST /v1/videos/generations},
 * {@code GET /v1/tasks/{id}}, bearer API key, errors as {@code {"error":{"code","message","type"}}}.
 * Cancel is an ASSUMPTION, read tolerantly: {@code POST /v1/tasks/{id}/cancel} answering the task
 * object (see {@link AssumedCancel}); the seeds document no cancel endpoint.
 */
public final class UnifiedProviderClient implements ProviderClient {
    public static final String NAME = "unified";

    private final HttpTransport http;
    private final URI baseUrl;
    private final Supplier<String> apiKey;
    private final ObjectMapper json;

    public UnifiedProviderClient(HttpTransport http, URI baseUrl, Supplier<String> apiKey, ObjectMapper json) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
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
        JsonNode task = call(SdkHttpMethod.POST, "/v1/videos/generations", body);
        String id = task.path("id").asText(null);
        if (id == null) {
            throw badAnswer("accepted the job but sent no task id");
        }
        return new Submission(id, task.path("task_info").path("estimated_time").asInt(0));
    }

    @Override
    public JobStatus query(String providerTaskId) {
        return statusOf(call(SdkHttpMethod.GET, "/v1/tasks/" + providerTaskId, null));
    }

    /** ASSUMED endpoint, see {@link AssumedCancel}: true only when the aggregator confirms it stopped the job. */
    @Override
    public boolean cancel(String providerTaskId) {
        return AssumedCancel.run(
                () -> call(SdkHttpMethod.POST, "/v1/tasks/" + providerTaskId + "/cancel", json.createObjectNode())
                        .path("status").asText(null),
                () -> query(providerTaskId));
    }

    /** The aggregator calls back once, when the task ends, with the same object a query returns. */
    @Override
    public Optional<CallbackReport> parseCallback(byte[] body) {
        try {
            JsonNode task = json.readTree(body);
            if (task == null || !task.path("id").isTextual() || VendorStatus.of(task.path("status").asText(null)).isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new CallbackReport(task.path("id").asText(), statusOf(task)));
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    private JobStatus statusOf(JsonNode task) {
        String status = task.path("status").asText("");
        JobState state = VendorStatus.of(status).orElseThrow(() ->
                badAnswer("reported an unknown status '" + status + "' for " + task.path("id").asText()));
        int progress = task.path("progress").asInt(0);
        return switch (state) {
            case SUCCEEDED -> new JobStatus(state, 100, videoUrl(task), null);
            case FAILED, CANCELLED -> new JobStatus(state, progress, null,
                    task.path("error").path("message").asText("The provider reported the task " + status + "."));
            default -> new JobStatus(state, progress, null, null);
        };
    }

    @Override
    public VideoDownload download(URI videoUrl) {
        return VideoDownloads.open(http, NAME, videoUrl);
    }

    /** Completed tasks list their videos in {@code results}; older answers used {@code video_url}. */
    private static URI videoUrl(JsonNode task) {
        JsonNode results = task.path("results");
        String url = results.isArray() && !results.isEmpty() ? results.get(0).asText(null) : task.path("video_url").asText(null);
        if (url == null) {
            throw badAnswer("completed the task but gave no video URL");
        }
        return URI.create(url);
    }

    private static ProviderException badAnswer(String what) {
        return new ProviderException(NAME, ProviderErrorKind.PROVIDER_UNAVAILABLE, 200, null, NAME + " " + what + ".");
    }

    private JsonNode call(SdkHttpMethod method, String path, JsonNode body) {
        try {
            HttpTransport.Response response = http.send(method, baseUrl.resolve(path),
                    Map.of("Authorization", "Bearer " + apiKey.get(), "Content-Type", "application/json",
                            "Accept", "application/json"),
                    body == null ? null : json.writeValueAsBytes(body));
            JsonNode answer = response.body().length == 0 ? json.createObjectNode() : json.readTree(response.body());
            if (!response.ok()) {
                JsonNode error = answer.path("error");
                throw ProviderErrors.fromHttp(NAME, response.status(), error.path("code").asText(null),
                        error.path("message").asText(null));
            }
            return answer;
        } catch (IOException e) {
            throw ProviderErrors.unreachable(NAME, e);
        }
    }

    private static void putIfPresent(ObjectNode body, String name, String value) {
        if (value != null) {
            body.put(name, value);
        }
    }
}
