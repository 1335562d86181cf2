package dev.reelay.local.sandbox.kling;

import static dev.reelay.local.sandbox.kling.KlingJobParser.IMAGE2VIDEO;
import static dev.reelay.local.sandbox.kling.KlingJobParser.TEXT2VIDEO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.reelay.local.sandbox.ApiError;
import dev.reelay.local.sandbox.Call;
import dev.reelay.local.sandbox.CallbackPolicy;
import dev.reelay.local.sandbox.Dialect;
import dev.reelay.local.sandbox.Job;
import dev.reelay.local.sandbox.Quality;
import dev.reelay.local.sandbox.Route;
import dev.reelay.local.sandbox.SandboxFaults;
import dev.reelay.local.sandbox.TaskRegistry;
import dev.reelay.local.sandbox.TaskSnapshot.Status;
import dev.reelay.local.sandbox.TaskSnapshot;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Kling's official API (docs/vendors.md): a JWT signed with the account's access and secret keys,
 * {@code POST /v1/videos/{image2video,text2video}}, {@code GET /v1/videos/{route}/{task_id}}, the paged list
 * {@code GET /v1/videos/{route}} (with an {@code external_task_id} filter), every answer in the envelope
 * {@code {"code","message","request_id","data"}}, and the bare task object POSTed on every status change,
 * never retried. A task is found only on the route that created it.
 */
public final class KlingDialect implements Dialect {
    private static final CallbackPolicy CALLBACKS = CallbackPolicy.everyStatusChange();
    private static final String KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    /** Kling's error codes and what its documentation says they mean. */
    private static final Map<String, String> MEANINGS = Map.ofEntries(
            Map.entry("1000", "Authentication failed"), Map.entry("1001", "Authorization is empty"),
            Map.entry("1002", "Authorization is invalid"), Map.entry("1003", "Authorization is not yet valid"),
            Map.entry("1004", "Authorization has expired"), Map.entry("1100", "Account exception"),
            Map.entry("1101", "Account in arrears"), Map.entry("1102", "Resource pack depleted or expired"),
            Map.entry("1103", "No permission for the requested resource, such as the API or model"),
            Map.entry("1200", "Invalid request"), Map.entry("1201", "Invalid request parameters"),
            Map.entry("1202", "The requested method is invalid"), Map.entry("1203", "The requested resource does not exist"),
            Map.entry("1300", "Platform policy triggered"), Map.entry("1301", "Content security policy triggered"),
            Map.entry("1302", "Requests are too fast: rate limit exceeded"),
            Map.entry("1303", "Parallel tasks exceed the resource pack's concurrency limit"),
            Map.entry("1304", "IP allow-list policy triggered"), Map.entry("5000", "Server internal error"),
            Map.entry("5001", "Server temporarily unavailable, usually for maintenance"),
            Map.entry("5002", "Server internal timeout, usually from a backlog"));

    private final String accessKey;
    private final String secretKey;
    private final KlingJwt jwt;
    private final Map<String, String> routeOfTask = new ConcurrentHashMap<>();
    private final Set<String> externalTaskIds = ConcurrentHashMap.newKeySet();
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    /** When a task was first seen in its current status: Kling's {@code updated_at}. */
    private record Seen(Status status, Instant at) {
    }

    public KlingDialect() {
        this.accessKey = randomKey();
        this.secretKey = randomKey();
        this.jwt = new KlingJwt(accessKey, secretKey);
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    @Override
    public String name() {
        return "kling";
    }

    @Override
    public Map<String, String> credentials() {
        return Map.of("access_key", accessKey, "secret_key", secretKey);
    }

    @Override
    public List<Route> routes() {
        return Stream.of(IMAGE2VIDEO, TEXT2VIDEO).flatMap(route -> Stream.of(
                Route.submission("POST", "/v1/videos/" + route, (call, tasks) -> create(route, call, tasks)),
                // Kling's voice-control example posts to ".../image2video/".
                Route.submission("POST", "/v1/videos/" + route + "/", (call, tasks) -> create(route, call, tasks)),
                Route.lookup("GET", "/v1/videos/" + route + "/{task_id}", (call, tasks) -> query(route, call, tasks)),
                Route.lookup("GET", "/v1/videos/" + route, (call, tasks) -> list(route, call, tasks)))).toList();
    }

    @Override
    public void authenticate(Call call) throws ApiError {
        jwt.verify(call.header("Authorization"), Instant.now());
    }

    /** Digits like Kling's own ids: creation milliseconds and five random digits. */
    @Override
    public String newTaskId(Instant createdAt) {
        return Long.toString(createdAt.toEpochMilli() * 100_000 + ThreadLocalRandom.current().nextInt(100_000));
    }

    @Override
    public JsonNode errorBody(ApiError error) {
        String code = switch (error.kind()) {
            case MALFORMED_BODY -> "1200";
            case INVALID_PARAMETER, INVALID_IMAGE -> "1201";
            case UNAUTHENTICATED -> "1000";
            case TASK_NOT_FOUND, FILE_NOT_FOUND -> "1203";
            case NO_ROUTE -> "1202";
            case CONCURRENCY_LIMIT -> "1303";
            case INTERNAL -> "5000";
            case VENDOR -> error.vendorCode().orElseThrow();
        };
        // A refusal scripted as STATUS:CODE keeps the stock message of the status's usual code: give the code's own.
        String message = MEANINGS.containsValue(error.getMessage()) ? MEANINGS.getOrDefault(code, error.getMessage()) : error.getMessage();
        // Kling's codes are numbers; a code scripted from the command line may be any text.
        JsonNode codeJson = code.matches("\\d{1,9}") ? IntNode.valueOf(Integer.parseInt(code)) : TextNode.valueOf(code);
        return envelope(codeJson, message, NullNode.getInstance());
    }

    /** Kling answers 429 for quota problems too; a status scripted alone keeps its status and gets the nearest code. */
    @Override
    public SandboxFaults.Refusal typicalRefusal(int status) {
        String code = switch (status) {
            case 400 -> "1201";
            case 401 -> "1004";
            case 402 -> "1102";
            case 403 -> "1103";
            case 404 -> "1203";
            case 429 -> "1302";
            case 503 -> "5001";
            case 504 -> "5002";
            default -> status >= 500 ? "5000" : "1200";
        };
        return new SandboxFaults.Refusal(status, code, MEANINGS.get(code));
    }

    @Override
    public CallbackPolicy callbackPolicy() {
        return CALLBACKS;
    }

    @Override
    public JsonNode callbackBody(TaskSnapshot task) {
        return taskJson(task);
    }

    private JsonNode create(String route, Call call, TaskRegistry tasks) throws ApiError, IOException {
        Job job = KlingJobParser.parse(route, call.jsonObject());
        Optional<String> externalTaskId = job.externalTaskId();
        if (externalTaskId.isPresent() && !externalTaskIds.add(externalTaskId.get())) {
            throw ApiError.invalidParameter("external_task_id already exists: " + externalTaskId.get());
        }
        TaskSnapshot task;
        try {
            // Over the account's concurrency limit the kit refuses, answered as 429 with code 1303.
            task = tasks.submit(job);
        } catch (ApiError | RuntimeException refused) {
            externalTaskId.ifPresent(externalTaskIds::remove);
            throw refused;
        }
        routeOfTask.put(task.id(), route);
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("task_id", task.id());
        data.putObject("task_info").put("external_task_id", externalTaskId.orElse(""));
        data.put("task_status", status(task.status()))
                .put("created_at", task.createdAt().toEpochMilli())
                .put("updated_at", updatedAt(task).toEpochMilli());
        return succeeded(data);
    }

    /** By task id or, as Kling's documentation allows in the same path, by external_task_id. */
    private JsonNode query(String route, Call call, TaskRegistry tasks) throws ApiError {
        String id = call.pathParam("task_id");
        TaskSnapshot task = tasks.find(id).or(() -> tasks.findByExternalId(id))
                .filter(found -> route.equals(routeOfTask.get(found.id())))
                .orElseThrow(() -> ApiError.taskNotFound("Task " + id + " does not exist on " + route));
        return succeeded(taskJson(task));
    }

    /** Newest first, as a console lists them. */
    private JsonNode list(String route, Call call, TaskRegistry tasks) throws ApiError {
        int pageNum = pageParam(call, "pageNum", 1000, 1);
        int pageSize = pageParam(call, "pageSize", 500, 30);
        Optional<String> externalTaskId = call.queryParam("external_task_id").filter(id -> !id.isBlank());
        List<TaskSnapshot> listed = new ArrayList<>(tasks.all().stream()
                .filter(task -> route.equals(routeOfTask.get(task.id())))
                .filter(task -> externalTaskId.isEmpty() || task.job().externalTaskId().equals(externalTaskId))
                .toList());
        Collections.reverse(listed);
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        listed.stream().skip((long) (pageNum - 1) * pageSize).limit(pageSize).forEach(task -> data.add(taskJson(task)));
        return succeeded(data);
    }

    private static int pageParam(Call call, String name, int max, int fallback) throws ApiError {
        Optional<String> value = call.queryParam(name);
        if (value.isEmpty()) {
            return fallback;
        }
        if (!value.get().matches("\\d{1,4}") || Integer.parseInt(value.get()) < 1 || Integer.parseInt(value.get()) > max) {
            throw ApiError.invalidParameter(name + " must be an integer from 1 to " + max + ", got \"" + value.get() + "\"");
        }
        return Integer.parseInt(value.get());
    }

    /** The task object, as a query's {@code data}, a list item and a callback body. */
    private ObjectNode taskJson(TaskSnapshot task) {
        ObjectNode json = JsonNodeFactory.instance.objectNode()
                .put("task_id", task.id())
                .put("task_status", status(task.status()))
                .put("task_status_msg", task.failure().map(TaskSnapshot.Failure::message).orElse(""));
        // The sandbox never makes a watermarked copy, whatever watermark_info asked for.
        json.putObject("watermark_info").put("enabled", false);
        task.videoUrl().ifPresent(url -> json.putObject("task_result").putArray("videos").addObject()
                .put("id", UUID.nameUUIDFromBytes(task.id().getBytes(StandardCharsets.UTF_8)).toString())
                .put("url", url.toString())
                .put("duration", Integer.toString(task.job().durationSeconds())));
        json.putObject("task_info").put("external_task_id", task.job().externalTaskId().orElse(""));
        return json.put("final_unit_deduction", unitDeduction(task))
                .put("created_at", task.createdAt().toEpochMilli())
                .put("updated_at", updatedAt(task).toEpochMilli());
    }

    private static String status(Status status) {
        return switch (status) {
            case PENDING -> "submitted";
            case PROCESSING -> "processing";
            case COMPLETED -> "succeed";
            // Kling has no cancel, so no sandbox task of it is ever cancelled; were one, Kling could only say failed.
            case FAILED, CANCELLED -> "failed";
        };
    }

    /**
     * The kit derives a task's status when asked, so a status change is dated when first seen (by a query or
     * the callback ticker, which looks every 100 ms).
     */
    private Instant updatedAt(TaskSnapshot task) {
        return seen.compute(task.id(), (id, before) -> {
            if (before != null && before.status() == task.status()) {
                return before;
            }
            return new Seen(task.status(), task.status() == Status.PENDING ? task.createdAt() : Instant.now());
        }).at();
    }

    /**
     * Units charged once a task succeeds, failures being free. Kling publishes no v3 rates: the
     * sandbox assumes its classic ones, 1.5 units per 5 s in std and 2.5 in pro, doubled with sound.
     */
    private static String unitDeduction(TaskSnapshot task) {
        if (task.status() != Status.COMPLETED) {
            return "0";
        }
        Job job = task.job();
        BigDecimal perSecond = new BigDecimal(job.quality() == Quality.FULL_HD ? "0.5" : "0.3");
        BigDecimal units = perSecond.multiply(BigDecimal.valueOf(job.durationSeconds())).multiply(BigDecimal.valueOf(job.sound() ? 2 : 1));
        return units.stripTrailingZeros().toPlainString();
    }

    private static ObjectNode succeeded(JsonNode data) {
        return envelope(IntNode.valueOf(0), "SUCCEED", data);
    }

    private static ObjectNode envelope(JsonNode code, String message, JsonNode data) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("code", code);
        body.put("message", message).put("request_id", UUID.randomUUID().toString());
        body.set("data", data);
        return body;
    }

    private static String randomKey() {
        SecureRandom random = new SecureRandom();
        StringBuilder key = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            key.append(KEY_ALPHABET.charAt(random.nextInt(KEY_ALPHABET.length())));
        }
        return key.toString();
    }
}
