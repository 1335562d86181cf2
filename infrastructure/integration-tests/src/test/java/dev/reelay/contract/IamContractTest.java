package dev.reelay.contract;

import dev.reelay.local.ApiTestClient;

import dev.reelay.testing.TestImages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reelay.local.LocalRuntime;
import dev.reelay.local.calls.AwsCall;
import dev.reelay.local.calls.AwsResource;
import dev.reelay.local.calls.CallLedger;
import dev.reelay.local.sandbox.SandboxFaults;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every AWS action the code calls is allowed by the policies template.yaml gives the function that
 * calls it (issue 6).
 * <p>
 * The local stack runs with its {@link CallLedger} on, so each SDK call a function makes is
 * recorded as the IAM action it needs, on which resource, for that function (presigned URLs as the
 * action they perform, vendor credential reads as {@code secretsmanager:GetSecretValue}; the state
 * machine's invocations of functions as its {@code lambda:InvokeFunction}). A scenario drives every
 * function through the real HTTP API and S3 (with Kling capped at one job, so that a task waits in
 * the queue and a freed slot wakes it); then each recorded call is held against the policies of its
 * function in template.yaml ({@link TemplateIam}), read afresh, whatever they are today.
 * <p>
 * What it cannot see: a call the scenario does not reach (error paths such as aborting a multipart
 * upload, or the queue asking states:DescribeExecution before it takes back a slot held past its
 * lease), and Secrets Manager, which is not on the local stack (the need is inferred from the code
 * reading the vendor credentials).
 */
class IamContractTest {
    private static final Path REPO = RepoRoot.find();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** Long enough to cancel mid-render; a cancelled render stops at once. */
    private static final Duration SLOW_RENDER = Duration.ofSeconds(20);
    /** Functions that call no AWS service at all, so that a function that silently missed the scenario is noticed. */
    private static final Set<String> MAKE_NO_AWS_CALLS = Set.of("OpenApiDocumentFunction", "QuoteVideoFunction", "ConsoleFunction");

    @TempDir
    static Path dir;
    private static LocalRuntime runtime;
    private static HttpServer receiver;
    private static Path image;
    private static String testThread;
    private static List<AwsCall> calls;
    private static List<CallLedger.Unattributed> unattributed;
    private static TemplateIam iam;
    private static CloudFormationTemplate template;

    @BeforeAll
    static void runTheScenario() throws Exception {
        template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
        iam = new TemplateIam(template);
        testThread = Thread.currentThread().getName();
        // Kling takes one job at a time, so that a task waits in the queue for its slot.
        runtime = LocalRuntime.start(LocalRuntime.Settings.forTests().withAwsCallRecording().withMaxConcurrency(Map.of("kling", 1)));
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hooks", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        image = dir.resolve("frame.png");
        Files.write(image, TestImages.png(960, 540));
        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";

        HttpResponse<String> openApi = HTTP.send(HttpRequest.newBuilder(runtime.apiBaseUrl().resolve("/openapi.yaml")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(openApi.statusCode()).isEqualTo(200);

        // Cancellations: at a vendor that stops the job (with a webhook of the cancellation), and at Kling, which cannot.
        runtime.sandbox("unified").faults().renderSlowly(1, SLOW_RENDER);
        runtime.sandbox("kling").faults().renderSlowly(1, SLOW_RENDER);
        String cancelledAtUnified = submit("unified", hooks);
        String cancelledAtKling = submit("kling", null);
        awaitTask(cancelledAtUnified, task -> task.path("status").asText().equals("processing"));
        awaitTask(cancelledAtKling, task -> task.path("status").asText().equals("processing"));
        // Kling's one slot is taken: this task waits in the queue until the cancellation frees it.
        String queuedAtKling = submit("kling", null);
        awaitTask(queuedAtKling, task -> events(task).contains("queued"));
        assertThat(cancel(cancelledAtUnified).path("status").asText()).isEqualTo("cancelled");
        assertThat(cancel(cancelledAtKling).path("status").asText()).isEqualTo("cancelled");

        // Completions through the vendors' callbacks (unified, with a webhook; Kling), and a late failure at a polled vendor.
        runtime.sandbox("apimart").faults().failAfterAcceptance(1, SandboxFaults.LateFailure.contentPolicy());
        String completedAtUnified = submit("unified", hooks);
        String completedAtKling = submit("kling", null);
        String failedAtApiMart = submit("apimart", hooks);

        // The S3 trigger: an image with its parameters in metadata (no sidecar), and one too small.
        String uploaded = "uploads/default/iam/waves.png";
        String tooSmall = "uploads/default/iam/small.jpg";
        put(uploaded, TestImages.png(1280, 720), Map.of("prompt", "waves", "duration", "3"));
        put(tooSmall, TestImages.jpeg(200, 200), Map.of("prompt", "too small"));

        assertThat(awaitTask(completedAtUnified, IamContractTest::webhookDone).path("status").asText()).isEqualTo("completed");
        assertThat(awaitTask(completedAtKling, IamContractTest::ended).path("status").asText()).isEqualTo("completed");
        assertThat(awaitTask(queuedAtKling, IamContractTest::ended).path("status").asText()).isEqualTo("completed");
        assertThat(awaitTask(failedAtApiMart, IamContractTest::webhookDone).path("status").asText()).isEqualTo("failed");
        assertThat(awaitTask(cancelledAtUnified, IamContractTest::webhookDone).path("status").asText()).isEqualTo("cancelled");
        assertThat(awaitTask(awaitTaskOf(uploaded), IamContractTest::ended).path("status").asText()).isEqualTo("completed");
        JsonNode refusal = awaitErrorReport(tooSmall);
        assertThat(get(refusal.path("task_id").asText()).path("status").asText()).isEqualTo("failed");
        HttpResponse<String> list = HTTP.send(authorized("/v1/tasks?limit=5").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        HttpResponse<String> usage = HTTP.send(authorized("/v1/usage").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);

        // POST /v1/uploads signs a PUT; the PUT itself needs no credentials; the submission reads the upload.
        byte[] directImage = TestImages.png(1280, 720);
        HttpResponse<String> created = HTTP.send(authorized("/v1/uploads").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("content_type", "image/png",
                        "size", directImage.length)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode upload = JSON.readTree(created.body());
        HttpResponse<String> putUpload = HTTP.send(HttpRequest.newBuilder(java.net.URI.create(upload.path("upload_url").asText()))
                .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(directImage)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(putUpload.statusCode()).as(putUpload.body()).isEqualTo(200);
        HttpResponse<String> fromUpload = HTTP.send(authorized("/v1/videos/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video",
                        "prompt", "iam contract", "image_start", upload.path("reference").asText(), "duration", 3,
                        "provider", "unified")))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fromUpload.statusCode()).as(fromUpload.body()).isEqualTo(200);
        assertThat(awaitTask(JSON.readTree(fromUpload.body()).path("id").asText(), IamContractTest::ended).path("status").asText())
                .isEqualTo("completed");

        // Batches: one through the API (a refused request, its webhook), one from a manifest next to its image, and a cancel.
        Map<String, Object> valid = Map.of("model", "kling-v3-image-to-video", "prompt", "iam batch",
                "image_start", image.toUri().toString(), "duration", 3, "provider", "unified");
        JsonNode batch = postJson("/v1/batches", Map.of("requests", List.of(valid, Map.of("model", "nope")), "callback_url", hooks));
        String manifestFolder = "batches/default/iam/";
        put(manifestFolder + "frame.png", TestImages.png(1280, 720), Map.of());
        put(manifestFolder + "manifest.jsonl", (JSON.writeValueAsString(Map.of("model", "kling-v3-image-to-video",
                "prompt", "iam manifest", "image_start", "frame.png", "duration", 3)) + "\n{broken\n").getBytes(StandardCharsets.UTF_8), Map.of());
        runtime.sandbox("apimart").faults().renderSlowly(1, SLOW_RENDER);
        JsonNode toCancel = postJson("/v1/batches", Map.of("requests", List.of(Map.of("model", "kling-v3-image-to-video",
                "prompt", "iam batch cancel", "image_start", image.toUri().toString(), "duration", 3, "provider", "apimart"))));
        awaitBatch(toCancel.path("id").asText(), b -> !b.path("status").asText().equals("validating"));
        assertThat(postJson("/v1/batches/" + toCancel.path("id").asText() + "/cancel", Map.of()).path("status").asText())
                .isIn("cancelling", "cancelled");
        assertThat(awaitBatch(batch.path("id").asText(), IamContractTest::batchNotified).path("status").asText()).isEqualTo("completed");
        HttpResponse<String> batchTasks = HTTP.send(authorized("/v1/batches/" + batch.path("id").asText() + "/tasks").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(batchTasks.statusCode()).as(batchTasks.body()).isEqualTo(200);
        assertThat(awaitBatch(toCancel.path("id").asText(), b -> b.path("status").asText().equals("cancelled"))).isNotNull();
        awaitObject(manifestFolder + "manifest.jsonl.results.jsonl");

        calls = runtime.awsCalls().calls();
        unattributed = runtime.awsCalls().unattributed();
    }

    private static JsonNode postJson(String path, Object body) throws Exception {
        HttpResponse<String> answer = HTTP.send(authorized(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static JsonNode awaitBatch(String batchId, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            HttpResponse<String> answer = HTTP.send(authorized("/v1/batches/" + batchId).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode batch = JSON.readTree(answer.body());
            if (condition.test(batch)) {
                return batch;
            }
            assertThat(System.nanoTime()).as("batch %s within %s: %s", batchId, LIMIT, batch).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Ended, and its webhook sent: the batch's workflow records it, and the batch object shows the end. */
    private static boolean batchNotified(JsonNode batch) {
        return batch.path("status").asText().equals("completed") && runtime.dynamo().client()
                .getItem(g -> g.tableName(LocalRuntime.TASKS_TABLE).consistentRead(true).key(Map.of(
                        "pk", AttributeValue.fromS("BATCH#" + batch.path("id").asText()), "sk", AttributeValue.fromS("BATCH"))))
                .item().containsKey("webhook");
    }

    private static void awaitObject(String key) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                runtime.s3().client().headObject(h -> h.bucket(LocalRuntime.UPLOADS_BUCKET).key(key));
                return;
            } catch (NoSuchKeyException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("No s3://" + LocalRuntime.UPLOADS_BUCKET + "/" + key + " within " + LIMIT);
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void everyAwsCallOfEveryFunctionIsAllowedByThatFunctionsPolicies() {
        Map<String, Set<String>> denied = new TreeMap<>();
        for (AwsCall call : calls) {
            String principal = templateName(call.principal());
            if (!iam.principals().contains(principal)) {
                denied.computeIfAbsent(principal, p -> new TreeSet<>()).add(call.action() + " on " + call.resource()
                        + ": template.yaml has no function or state machine " + principal + ", so no policies for it");
                continue;
            }
            AwsResource resource = templateResource(call.resource());
            String arn = iam.arn(resource);
            if (!iam.decide(principal, call.action(), arn).allowed()) {
                // One line per action and kind of key: task ids vary, what is refused does not.
                denied.computeIfAbsent(principal, p -> new TreeSet<>()).add(call.action() + " on " + withoutTaskIds(arn));
            }
        }
        StringBuilder report = new StringBuilder();
        denied.forEach((principal, refusals) -> {
            report.append("\n").append(principal).append(" is not allowed:\n");
            refusals.stream().limit(25).forEach(refusal -> report.append("    ").append(refusal).append('\n'));
            if (refusals.size() > 25) {
                report.append("    ... and ").append(refusals.size() - 25).append(" more\n");
            }
            report.append("  by its policies in template.yaml:\n");
            if (iam.principals().contains(principal)) {
                iam.statements(principal).forEach(statement -> report.append("    ").append(statement).append('\n'));
            }
        });
        if (!denied.isEmpty()) {
            fail("AWS calls that template.yaml's policies do not allow (grant them, least privilege, or stop making them):" + report);
        }
    }

    @Test
    void everyFunctionOfTheTemplateMadeAwsCallsInTheScenarioOrIsKnownToMakeNone() {
        Map<String, List<String>> actions = actionsByPrincipal();
        actions.forEach((principal, done) -> System.out.println("IAM contract: " + principal + " " + done));
        Set<String> functions = template.resourcesOfType("AWS::Serverless::Function").keySet();
        List<String> silent = functions.stream().filter(f -> !actions.containsKey(f) && !MAKE_NO_AWS_CALLS.contains(f)).toList();
        assertThat(silent).as("functions that made no AWS call in the scenario (extend the scenario, or list them in "
                + "MAKE_NO_AWS_CALLS); calls made: %s", actions).isEmpty();
        assertThat(MAKE_NO_AWS_CALLS).as("listed as making no AWS call, yet made some").doesNotContainAnyElementsOf(actions.keySet());
        assertThat(actions).as("the state machine invokes its functions").containsKey(templateName(LocalRuntime.STATE_MACHINE));
    }

    @Test
    void noAwsCallEscapedAttribution() {
        // Outside any function only the test's own thread calls AWS: starting the stack, putting uploads, reading results.
        assertThat(unattributed).as("AWS calls made on threads in no function: a function's work on another thread "
                + "would be missed").allSatisfy(call -> assertThat(call.thread()).isEqualTo(testThread));
        assertThat(calls).as("calls are recorded at all").isNotEmpty();
    }

    /** What each principal did, for the report: its distinct actions and the template resources they were on. */
    private static Map<String, List<String>> actionsByPrincipal() {
        Map<String, Set<String>> actions = new TreeMap<>();
        for (AwsCall call : calls) {
            AwsResource resource = templateResource(call.resource());
            String on = switch (resource.kind()) {
                case OBJECT -> resource.name() + "/" + withoutTaskIds(resource.path());
                case EXECUTION -> resource.name() + ":<execution>";
                default -> resource.toString();
            };
            actions.computeIfAbsent(templateName(call.principal()), p -> new TreeSet<>()).add(call.action() + " " + on);
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        actions.forEach((principal, set) -> result.put(principal, List.copyOf(set)));
        return result;
    }

    private static String withoutTaskIds(String text) {
        return text.replaceAll("task-[0-9]+-[0-9a-z]+", "<task id>");
    }

    /** The template's name of a local function, state machine, table, bucket or secret (functions have theirs). */
    private static String templateName(String local) {
        return LocalRuntime.TEMPLATE_NAMES.getOrDefault(local, local);
    }

    private static AwsResource templateResource(AwsResource local) {
        if (local.kind() == AwsResource.Kind.ANY) {
            return local;
        }
        if (local.kind() != AwsResource.Kind.FUNCTION && !LocalRuntime.TEMPLATE_NAMES.containsKey(local.name())) {
            throw new AssertionError("The local " + local + " has no counterpart in template.yaml: add it to LocalRuntime.TEMPLATE_NAMES");
        }
        return new AwsResource(local.kind(), templateName(local.name()), local.path());
    }

    // ------------------------------------------------------------------ the scenario's requests

    private static HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(runtime.apiBaseUrl().resolve(path)).header("Authorization", "Bearer " + runtime.defaultApiKey());
    }

    private static String submit(String provider, String callbackUrl) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "iam contract",
                "image_start", image.toUri().toString(), "duration", 3, "provider", provider));
        if (callbackUrl != null) {
            body.put("callback_url", callbackUrl);
        }
        HttpResponse<String> answer = HTTP.send(authorized("/v1/videos/generations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("id").asText();
    }

    private static JsonNode get(String taskId) throws Exception {
        return ApiTestClient.of(runtime).get(taskId);
    }

    private static JsonNode cancel(String taskId) throws Exception {
        HttpResponse<String> answer = HTTP.send(authorized("/v1/tasks/" + taskId + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static JsonNode awaitTask(String taskId, Predicate<JsonNode> condition) throws Exception {
        return ApiTestClient.of(runtime).await(taskId, condition, LIMIT);
    }

    private static boolean ended(JsonNode task) {
        return List.of("completed", "failed", "cancelled").contains(task.path("status").asText());
    }

    private static boolean webhookDone(JsonNode task) {
        List<String> events = events(task);
        return events.contains("webhook_delivered") || events.contains("webhook_gave_up");
    }

    private static List<String> events(JsonNode task) {
        List<String> events = new ArrayList<>();
        task.path("timeline").forEach(event -> events.add(event.path("event").asText()));
        return events;
    }

    private static void put(String key, byte[] content, Map<String, String> metadata) {
        runtime.s3().client().putObject(p -> p.bucket(LocalRuntime.UPLOADS_BUCKET).key(key).metadata(metadata), RequestBody.fromBytes(content));
    }

    /** The task made from an uploaded image: the one whose image_start is that object. */
    private static String awaitTaskOf(String key) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = new ArrayList<>();
            runtime.dynamo().client().scanPaginator(s -> s.tableName(LocalRuntime.TASKS_TABLE).consistentRead(true)
                            .filterExpression("sk = :task AND imageStart = :image")
                            .expressionAttributeValues(Map.of(":task", AttributeValue.fromS("TASK"),
                                    ":image", AttributeValue.fromS("s3://" + LocalRuntime.UPLOADS_BUCKET + "/" + key))))
                    .items().forEach(item -> ids.add(item.get("taskId").s()));
            if (!ids.isEmpty()) {
                return ids.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("No task for " + key + " within " + LIMIT);
    }

    private static JsonNode awaitErrorReport(String imageKey) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return JSON.readTree(runtime.s3().client().getObjectAsBytes(g -> g.bucket(LocalRuntime.UPLOADS_BUCKET)
                        .key(imageKey + ".error.json")).asByteArray());
            } catch (NoSuchKeyException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("No " + imageKey + ".error.json within " + LIMIT);
    }

}
