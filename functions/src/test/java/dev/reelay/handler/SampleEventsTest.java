package dev.reelay.handler;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.ProviderClients;
import dev.reelay.adapter.provider.ProviderCredentials;
import dev.reelay.adapter.provider.Vendors;
import dev.reelay.domain.provider.JobState;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.port.ProviderClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.reelay.application.CancelTask;
import dev.reelay.application.DeliverWebhook;
import dev.reelay.application.ListTasks;
import dev.reelay.application.GetTask;
import dev.reelay.adapter.s3.S3UploadUrls;
import dev.reelay.application.CreateUpload;
import dev.reelay.application.QuoteVideoGeneration;
import dev.reelay.application.ServeConsole;
import dev.reelay.adapter.s3.S3PresignedOrigins;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import dev.reelay.application.GetUsage;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.ProviderQueue;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.WebhookSender;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.StartGenerationFromUpload;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient.JobStatus;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import dev.reelay.application.AuthorizeApiKey;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.FixedWebhookSecret;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryBudgets;
import dev.reelay.testing.FixedImageSource;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.Queues;
import dev.reelay.application.ProviderRouter;
import dev.reelay.testing.TestImages;
import dev.reelay.testing.InMemoryUploadedObjects;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryProviderSlots;
import dev.reelay.port.ProviderSlots;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.RecordingWorkflow;
import dev.reelay.application.AdvanceBatch;
import dev.reelay.application.CancelBatch;
import dev.reelay.application.CreateBatch;
import dev.reelay.application.ReadBatches;
import dev.reelay.application.StartBatchFromManifest;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.testing.InMemoryBatchRequests;
import dev.reelay.testing.InMemoryBatchStore;
import dev.reelay.testing.RecordingBatchWorkflow;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feeds every sample event in {@code events/} to its handler, so the samples never rot. The
 * ports are in-memory fakes: this is a test of the handlers and use cases, not of AWS.
 */
class SampleEventsTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private static final String TASK = "task-1795397400-k3v9q2m7x1pz";
    /** The (made-up) key the sample events present. */
    private static final String SAMPLE_KEY = "rly_SampleKeyForTheEventsOnly000000000000000000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryBudgets budgets = new InMemoryBudgets();
    private final InMemoryTaskStore store = new InMemoryTaskStore(budgets);
    private final InMemoryApiKeys apiKeys = new InMemoryApiKeys();
    private final InMemoryArchive archive = new InMemoryArchive();
    private final FakeProvider provider = new FakeProvider("unified");
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryProviderCallbacks callbacks = new InMemoryProviderCallbacks();
    private SubmitVideoHandler submitHandler;
    private GetTaskHandler getHandler;
    private VideoGenerationSteps steps;

    @BeforeEach
    void wire() throws IOException {
        FixedImageSource images = new FixedImageSource(Map.of("https://images.example.com/beach-1280x720.jpg", TestImages.jpeg(1280, 720)));
        submitHandler = new SubmitVideoHandler(new SubmitVideoGeneration(new GenerationRequestParser(), images, archive.inputs(),
                Providers.table(provider), store, workflow, Clock.systemUTC(), () -> TASK,
                new InMemoryIdempotencyKeys(), apiKeys, budgets, metrics));
        getHandler = new GetTaskHandler(new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()));
        ProviderRouter router = Providers.router(provider);
        steps = new VideoGenerationSteps(store, router, archive, archive.inputs(), new PollingPolicy(10, 60, 1.5, Duration.ofHours(1), 200),
                callbacks, java.util.Optional.empty(), Queues.open(store, router, workflow, Clock.systemUTC()), Clock.systemUTC(), metrics);
    }

    @Test
    void submitEventRecordsAPricedTaskAndStartsItsWorkflow() throws IOException {
        APIGatewayV2HTTPResponse response = submitHandler.handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode task = JSON.readTree(response.getBody());
        assertThat(task.path("id").asText()).isEqualTo(TASK);
        assertThat(task.path("object").asText()).isEqualTo("video.generation.task");
        assertThat(task.path("status").asText()).isEqualTo("pending");
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isEqualByComparingTo("0.375");
        assertThat(workflow.started).containsExactly(TASK);
        assertThat(archive.objects).containsKey("inputs/" + TASK + "/image_start.jpeg");
    }

    @Test
    void workflowEventsCarryATaskToCompletedAndBilledOnce() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);

        JsonNode submitted = step(new SubmitToProviderHandler(steps), "submit-to-provider.json");
        assertThat(submitted.path("status").asText()).isEqualTo("processing");
        assertThat(submitted.path("waitSeconds").asInt()).isEqualTo(30);
        assertThat(provider.submitted).hasSize(1);
        assertThat(provider.submitted.get(0).imageStart().url().toString()).contains("inputs/" + TASK);

        provider.status = new JobStatus(JobState.RUNNING, 40, null, null);
        JsonNode stillRunning = step(new CheckStatusHandler(steps), "check-status.json");
        assertThat(stillRunning.path("status").asText()).isEqualTo("processing");
        assertThat(stillRunning.path("checks").asInt()).isEqualTo(1);
        assertThat(stillRunning.path("waitSeconds").asInt()).isBetween(10, 60);

        provider.status = new JobStatus(JobState.SUCCEEDED, 100, URI.create("https://files.provider.example/v.mp4"), null);
        assertThat(step(new CheckStatusHandler(steps), "check-status.json").path("status").asText()).isEqualTo("completed");

        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        step(new ArchiveVideoHandler(steps), "archive-video.json");
        step(new SettleBillingHandler(steps), "settle-billing.json");
        step(new SettleBillingHandler(steps), "settle-billing.json");

        assertThat(store.settlements).containsExactly(TASK);
        var task = store.find(TASK).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(task.charged().costUsd()).isEqualByComparingTo("0.375");
        assertThat(task.timeline()).extracting(TimelineEvent::event).containsExactly(
                "accepted", "provider_submitted", "provider_completed", "archived", "billed");

        APIGatewayV2HTTPResponse got = getHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/get-task.json"), null);
        assertThat(got.getStatusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(got.getBody());
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("result").path("url").asText()).contains("videos/" + TASK + ".mp4");
        assertThat(body.path("result").path("bytes").asLong()).isEqualTo(8);
    }

    @Test
    void recordFailureEventEndsTheTaskFailedWithTheCodeFromTheLambdaError() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        step(new SubmitToProviderHandler(steps), "submit-to-provider.json");

        JsonNode state = step(new RecordFailureHandler(steps), "record-failure.json");

        assertThat(state.path("failure").path("code").asText()).isEqualTo("video_truncated");
        var task = store.find(TASK).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.failure().message()).contains("524288");
        assertThat(task.charged().costUsd()).isZero();
        assertThat(store.settlements).isEmpty();
    }

    @Test
    void openApiDocumentEventGetsTheDocumentWithoutAKey() throws IOException {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/open-api-document.json");
        assertThat(event.getRequestContext().getAuthorizer()).as("the route has no authorizer").isNull();

        APIGatewayV2HTTPResponse response = new OpenApiDocumentHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getHeaders().get("Content-Type")).startsWith("application/yaml");
        assertThat(response.getBody()).startsWith("openapi: 3.").contains("/v1/videos/generations:");
    }

    /** The page and a file of the console, each with its content type and the console's security headers; no key needed. */
    @Test
    void consoleEventsServeThePageAndItsFilesWithTheirPolicyAndUnknownFilesAre404() throws IOException {
        try (S3Presigner presigner = S3Presigner.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))).build()) {
            ConsoleHandler handler = new ConsoleHandler(new ServeConsole(
                    new S3PresignedOrigins(presigner, "reelay-dev-archive", "reelay-dev-uploads")));
            APIGatewayV2HTTPEvent page = EventLoader.loadApiGatewayHttpEvent("events/console-page.json");
            assertThat(page.getRequestContext().getAuthorizer()).as("the route has no authorizer").isNull();

            APIGatewayV2HTTPResponse served = handler.handleRequest(page, null);

            assertThat(served.getStatusCode()).isEqualTo(200);
            assertThat(served.getHeaders()).containsEntry("Content-Type", "text/html; charset=utf-8")
                    .containsEntry("X-Content-Type-Options", "nosniff").containsEntry("Referrer-Policy", "no-referrer")
                    .containsEntry("Cache-Control", "no-cache");
            assertThat(served.getHeaders().get("Content-Security-Policy"))
                    .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                            "media-src https://reelay-dev-archive.s3.amazonaws.com;",
                            "connect-src 'self' https://reelay-dev-uploads.s3.amazonaws.com;")
                    .doesNotContain("unsafe");
            assertThat(served.getBody()).contains("<script type=\"module\" src=\"/console/app.mjs\"></script>");

            APIGatewayV2HTTPEvent file = EventLoader.loadApiGatewayHttpEvent("events/console-file.json");
            APIGatewayV2HTTPResponse script = handler.handleRequest(file, null);
            assertThat(script.getStatusCode()).isEqualTo(200);
            assertThat(script.getHeaders()).containsEntry("Content-Type", "text/javascript; charset=utf-8");
            file.getHeaders().put("if-none-match", script.getHeaders().get("ETag"));
            assertThat(handler.handleRequest(file, null).getStatusCode()).as("unchanged since the ETag").isEqualTo(304);

            for (String name : new String[] {"missing.mjs", "..", "%2e%2e%2fopenapi.yaml", "../openapi.yaml", "app.mjs/..", "APP.MJS", "openapi.yaml", "logic.mjs.map"}) {
                file.setPathParameters(Map.of("file", name));
                APIGatewayV2HTTPResponse missing = handler.handleRequest(file, null);
                assertThat(missing.getStatusCode()).as(name).isEqualTo(404);
                assertThat(JSON.readTree(missing.getBody()).path("error").path("code").asText()).isEqualTo("console_file_not_found");
                assertThat(missing.getHeaders()).containsKey("Content-Security-Policy");
            }
        }
    }

    /** A quote answers what the submit would charge and reserve, and records, reserves and starts nothing. */
    @Test
    void quoteVideoEventPricesTheRequestWithoutMakingATask() throws IOException {
        QuoteVideoHandler handler = new QuoteVideoHandler(new QuoteVideoGeneration(new GenerationRequestParser(), Providers.table(provider)));

        APIGatewayV2HTTPResponse answered = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/quote-video.json"), null);

        assertThat(answered.getStatusCode()).as(answered.getBody()).isEqualTo(200);
        JsonNode quote = JSON.readTree(answered.getBody());
        assertThat(quote.path("object").asText()).isEqualTo("quote");
        assertThat(quote.path("provider").asText()).isEqualTo("unified");
        assertThat(quote.path("billed_seconds").asInt()).isEqualTo(5);
        assertThat(quote.path("cost_usd").decimalValue()).isEqualByComparingTo("0.375");
        assertThat(quote.path("reserved_usd").decimalValue()).isEqualByComparingTo("0.375");
        assertThat(quote.path("images_checked").asBoolean(true)).isFalse();
        assertThat(workflow.started).isEmpty();
        assertThat(budgets.reserved).isEmpty();
    }

    /**
     * One callback event per vendor, each with that vendor's own body: its production adapter reads
     * it as a finished job, and the handler, which has no task under the event's secret, answers 404
     * and resumes nothing.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"unified, task-unified-1795397401-7cvnl5zw", "kling, 860001", "apimart, task_01JD8Q2R4S", "gateway, video_8f2c1e"})
    void providerCallbackEventsAreEachVendorsOwnAndAnUnknownSecretIsA404(String vendor, String vendorTaskId) throws IOException {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/provider-callback-" + vendor + ".json");
        assertThat(event.getPathParameters()).containsEntry("provider", vendor);
        ProviderTable every = new ProviderTable(Vendors.ALL.stream()
                .map(definition -> definition.profile(java.net.URI.create("https://" + definition.name() + ".example"))).toList());
        ProviderClient client = ProviderClients.create(every, new HttpTransport(UrlConnectionHttpClient.create()),
                () -> ProviderCredentials.of(Map.of("unified", Map.of("api_key", "k"), "apimart", Map.of("api_key", "k"),
                        "gateway", Map.of("api_key", "k"), "kling", Map.of("access_key", "a", "secret_key", "s"))),
                new ObjectMapper(), Clock.systemUTC()).get(vendor);

        ProviderClient.CallbackReport report = client.parseCallback(event.getBody().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .orElseThrow(() -> new AssertionError(vendor + "'s adapter does not read its own callback event"));
        assertThat(report.providerTaskId()).endsWith(vendorTaskId);
        assertThat(report.status().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(report.status().videoUrl()).isNotNull();

        ProviderCallbackReception reception = new ProviderCallbackReception(callbacks, Providers.router(provider), store,
                workflow, steps, Clock.systemUTC());
        APIGatewayV2HTTPResponse response = new ProviderCallbackHandler(reception).handleRequest(event, null);
        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.getBody()).path("error").path("code").asText()).isEqualTo("callback_not_found");
        assertThat(workflow.resumed).isEmpty();
    }

    @Test
    void awaitProviderCallbackEventRegistersTheTaskTokenUnderTheTasksSecret() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        ProviderCallbackReception reception = new ProviderCallbackReception(callbacks, Providers.router(provider), store,
                workflow, steps, Clock.systemUTC());

        JsonNode state = step(new AwaitProviderCallbackHandler(reception), "await-provider-callback.json");

        assertThat(state.path("taskId").asText()).isEqualTo(TASK);
        assertThat(callbacks.find(callbacks.secretFor(TASK)).orElseThrow().taskToken()).startsWith("AQCEAAAA");
    }

    /**
     * The vendor's one slot is held by another task, so the sample's task is queued; the event's wait
     * registers its token on the task's queue entry, and the slot, once freed, goes to the task and
     * resumes the wait with the event's state.
     */
    @Test
    void awaitProviderSlotEventRegistersTheTaskTokenAndAFreedSlotResumesIt() throws IOException {
        String holder = "task-1795397300-h0ld3rh0ld3r";
        InMemoryProviderSlots slots = new InMemoryProviderSlots(id -> id.equals(holder) || Queues.pendingIn(store).test(id));
        ProviderRouter router = Providers.router(provider);
        ProviderQueue queue = Queues.capped(slots, Map.of("unified", 1), store, router, workflow, Clock.systemUTC());
        VideoGenerationSteps queued = new VideoGenerationSteps(store, router, archive, archive.inputs(),
                new PollingPolicy(10, 60, 1.5, Duration.ofHours(1), 200), callbacks, java.util.Optional.empty(), queue, Clock.systemUTC(), metrics);
        ProviderSlots.Waiting held = new ProviderSlots.Waiting(holder, Instant.now(), "default", List.of("unified"),
                OptionalInt.empty(), null, null);
        slots.enqueue(held);
        assertThat(slots.grant(held, "unified", 1, Instant.now())).isEqualTo(ProviderSlots.Grant.GRANTED);
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        assertThat(step(new SubmitToProviderHandler(queued), "submit-to-provider.json").path("status").asText()).isEqualTo("queued");

        JsonNode state = step(new AwaitProviderSlotHandler(queued), "await-provider-slot.json");

        assertThat(state.path("taskId").asText()).isEqualTo(TASK);
        assertThat(state.path("status").asText()).isEqualTo("queued");
        assertThat(workflow.resumed).as("no slot is free yet: the wait goes on").isEmpty();
        Instant acceptedAt = store.find(TASK).orElseThrow().createdAt();
        assertThat(slots.entry(TASK, acceptedAt).orElseThrow().taskToken()).startsWith("AQCEAAAA");

        slots.release(holder, "unified", "default");
        queue.dispatch();

        assertThat(slots.slotOf(TASK)).hasValue("unified");
        String token = JSON.readTree(SampleEventsTest.class.getResourceAsStream("/events/await-provider-slot.json")).path("taskToken").asText();
        assertThat(JSON.readTree(workflow.resumed.get(token)).path("taskId").asText()).isEqualTo(TASK);
        assertThat(step(new SubmitToProviderHandler(queued), "submit-to-provider.json").path("status").asText()).isEqualTo("processing");
        assertThat(provider.submitted).hasSize(1);
    }

    @Test
    void deliverWebhookEventForATaskWithoutCallbackUrlSendsNothing() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        step(new SubmitToProviderHandler(steps), "submit-to-provider.json");
        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        step(new ArchiveVideoHandler(steps), "archive-video.json");
        step(new SettleBillingHandler(steps), "settle-billing.json");
        List<String> sent = new ArrayList<>();
        DeliverWebhook deliver = new DeliverWebhook(store, store::appendEventToEndedTask,
                new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()),
                new FixedWebhookSecret("whsec_" + "A".repeat(44)),
                (url, headers, body) -> {
                    sent.add(url.toString());
                    return WebhookSender.Result.delivered(204);
                }, WebhookUrlRules.STRICT, WebhookSchedule.DEFAULT, new ObjectMapper(), Clock.systemUTC(), metrics);

        JsonNode state = step(new DeliverWebhookHandler(deliver), "deliver-webhook.json");

        assertThat(state.path("webhookStatus").asText()).isEqualTo("none");
        assertThat(sent).isEmpty();
    }

    @Test
    void listTasksEventListsTheOwnersCompletedTasksAndNothingOfAnotherOwner() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        step(new SubmitToProviderHandler(steps), "submit-to-provider.json");
        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        step(new ArchiveVideoHandler(steps), "archive-video.json");
        step(new SettleBillingHandler(steps), "settle-billing.json");
        ListTasksHandler handler = new ListTasksHandler(new ListTasks(store, new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC())));

        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/list-tasks.json");
        assertThat(HttpExchange.ownerKeyId(event)).isEqualTo("default");
        APIGatewayV2HTTPResponse listed = handler.handleRequest(event, null);

        assertThat(listed.getStatusCode()).as(listed.getBody()).isEqualTo(200);
        JsonNode page = JSON.readTree(listed.getBody());
        assertThat(page.path("object").asText()).isEqualTo("list");
        assertThat(page.path("data")).hasSize(1);
        assertThat(page.path("data").get(0).path("id").asText()).isEqualTo(TASK);
        assertThat(page.path("data").get(0).path("status").asText()).isEqualTo("completed");
        assertThat(page.path("has_more").asBoolean()).isFalse();
        assertThat(page.path("next_cursor").isNull()).isTrue();

        event.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");
        JsonNode foreign = JSON.readTree(handler.handleRequest(event, null).getBody());
        assertThat(foreign.path("data")).isEmpty();

        event.setQueryStringParameters(Map.of("limit", "500"));
        APIGatewayV2HTTPResponse refused = handler.handleRequest(event, null);
        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.getBody()).path("error").path("code").asText()).isEqualTo("invalid_limit");
        assertThat(JSON.readTree(refused.getBody()).path("error").path("param").asText()).isEqualTo("limit");
    }

    /**
     * {@code POST /v1/uploads}: the answer is a PUT presigned by the real presigner (static credentials, no
     * call), of the sample key's own object outside {@code uploads/}, signed with its content type and length;
     * a content type the image checks refuse is a 400.
     */
    @Test
    void createUploadEventAnswersAPresignedPutSignedWithTypeAndLength() throws IOException {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/create-upload.json");
        try (S3Presigner presigner = S3Presigner.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))).build()) {
            CreateUploadHandler handler = new CreateUploadHandler(new CreateUpload(new S3UploadUrls(presigner, "reelay-dev-uploads"),
                    Clock.systemUTC(), () -> "0aw02kf391o9x7c2m1qz"));

            APIGatewayV2HTTPResponse answered = handler.handleRequest(event, null);

            assertThat(answered.getStatusCode()).as(answered.getBody()).isEqualTo(200);
            JsonNode upload = JSON.readTree(answered.getBody());
            String id = upload.path("id").asText();
            assertThat(upload.path("object").asText()).isEqualTo("upload");
            assertThat(upload.path("reference").asText()).isEqualTo("upload://" + id);
            assertThat(upload.path("method").asText()).isEqualTo("PUT");
            assertThat(upload.path("headers").path("Content-Type").asText()).isEqualTo("image/png");
            assertThat(upload.path("size").asLong()).isEqualTo(123456);
            assertThat(Instant.parse(upload.path("expires_at").asText())).isAfter(Instant.now().plusSeconds(3590));
            URI url = URI.create(upload.path("upload_url").asText());
            assertThat(url.getPath()).endsWith("/direct-uploads/default/" + id);
            assertThat(url.getQuery()).contains("X-Amz-SignedHeaders=content-length;content-type;host").contains("X-Amz-Expires=360");

            event.setBody("{\"content_type\":\"image/gif\",\"size\":123456}");
            APIGatewayV2HTTPResponse refused = handler.handleRequest(event, null);
            assertThat(refused.getStatusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refused.getBody()).path("error").path("code").asText()).isEqualTo("unsupported_image_format");
            assertThat(JSON.readTree(refused.getBody()).path("error").path("param").asText()).isEqualTo("content_type");
        }
    }

    /**
     * The sample's key, with a budget, completes one task in the sample's month (the submission's clock is set
     * there): the usage of that month is that task, as its own usage says, and the budget less its charge.
     */
    @Test
    void getUsageEventAnswersTheKeysUsageOfTheMonthAndRefusesABadMonth() throws IOException {
        apiKeys.create("default", new java.math.BigDecimal("5.00"), SAMPLE_KEY);
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/get-usage.json");
        Instant inTheSamplesMonth = Instant.ofEpochMilli(event.getRequestContext().getTimeEpoch()).minusSeconds(60);
        FixedImageSource images = new FixedImageSource(Map.of("https://images.example.com/beach-1280x720.jpg", TestImages.jpeg(1280, 720)));
        new SubmitVideoHandler(new SubmitVideoGeneration(new GenerationRequestParser(), images, archive.inputs(),
                Providers.table(provider), store, workflow, Clock.fixed(inTheSamplesMonth, java.time.ZoneOffset.UTC), () -> TASK,
                new InMemoryIdempotencyKeys(), apiKeys, budgets, metrics))
                .handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        step(new SubmitToProviderHandler(steps), "submit-to-provider.json");
        provider.video = new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'};
        step(new ArchiveVideoHandler(steps), "archive-video.json");
        step(new SettleBillingHandler(steps), "settle-billing.json");
        JsonNode task = JSON.readTree(getHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/get-task.json"), null).getBody());
        GetUsageHandler handler = new GetUsageHandler(new GetUsage(store, apiKeys, budgets, Clock.systemUTC()));

        APIGatewayV2HTTPResponse answered = handler.handleRequest(event, null);

        assertThat(answered.getStatusCode()).as(answered.getBody()).isEqualTo(200);
        JsonNode usage = JSON.readTree(answered.getBody());
        assertThat(usage.path("object").asText()).isEqualTo("usage");
        assertThat(usage.path("month").asText()).isEqualTo(event.getQueryStringParameters().get("month"));
        assertThat(usage.path("tasks").path("total").asInt()).isEqualTo(1);
        assertThat(usage.path("tasks").path("by_status").path(task.path("status").asText()).asInt()).isEqualTo(1);
        assertThat(usage.path("billed_seconds").asInt()).isEqualTo(task.path("usage").path("billed_seconds").asInt());
        assertThat(usage.path("cost_usd").decimalValue()).isPositive().isEqualByComparingTo(task.path("usage").path("cost_usd").decimalValue());
        String vendor = task.path("task_info").path("provider").asText();
        assertThat(usage.path("by_provider").path(vendor).path("cost_usd").decimalValue())
                .isEqualByComparingTo(task.path("usage").path("cost_usd").decimalValue());
        assertThat(usage.path("by_quality").path(task.path("task_info").path("quality").asText()).path("tasks").asInt()).isEqualTo(1);
        assertThat(usage.path("budget").path("remaining_usd").decimalValue())
                .isEqualByComparingTo(new java.math.BigDecimal("5").subtract(task.path("usage").path("cost_usd").decimalValue()));

        event.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");
        assertThat(JSON.readTree(handler.handleRequest(event, null).getBody()).path("tasks").path("total").asInt()).isZero();

        event.setQueryStringParameters(Map.of("month", "2026-13"));
        APIGatewayV2HTTPResponse refused = handler.handleRequest(event, null);
        assertThat(refused.getStatusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(refused.getBody()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_month");
        assertThat(error.path("param").asText()).isEqualTo("month");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void cancelTaskEventCancelsTheOwnersTaskOnceAndAnotherOwnerGetsA404() throws IOException {
        submitHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);
        CancelTaskHandler handler = new CancelTaskHandler(new CancelTask(store, Providers.router(provider), workflow,
                new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()), Clock.systemUTC(), metrics));
        APIGatewayV2HTTPEvent foreign = EventLoader.loadApiGatewayHttpEvent("events/cancel-task.json");
        foreign.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");

        APIGatewayV2HTTPResponse notYours = handler.handleRequest(foreign, null);
        assertThat(notYours.getStatusCode()).isEqualTo(404);
        assertThat(JSON.readTree(notYours.getBody()).path("error").path("code").asText()).isEqualTo("task_not_found");
        assertThat(store.find(TASK).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);

        APIGatewayV2HTTPResponse cancelled = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/cancel-task.json"), null);
        assertThat(cancelled.getStatusCode()).as(cancelled.getBody()).isEqualTo(200);
        JsonNode task = JSON.readTree(cancelled.getBody());
        assertThat(task.path("status").asText()).isEqualTo("cancelled");
        assertThat(task.path("usage").path("charged").asBoolean()).isFalse();
        assertThat(task.path("usage").path("cost_usd").decimalValue()).isZero();
        assertThat(workflow.stopped).containsExactly(TASK);

        APIGatewayV2HTTPResponse again = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/cancel-task.json"), null);
        assertThat(again.getStatusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.getBody())).isEqualTo(task);
        assertThat(provider.cancelRequests).isEmpty();
    }

    @Test
    void authorizerEventWithAnActiveKeyIsAuthorizedAndNamesTheKey() {
        apiKeys.create("default", null, SAMPLE_KEY);
        AuthorizeApiKeyHandler authorizer = new AuthorizeApiKeyHandler(new AuthorizeApiKey(apiKeys));
        APIGatewayV2CustomAuthorizerEvent event = EventLoader.loadAPIGatewayV2CustomAuthorizerEvent("events/authorize-api-key.json");

        SimpleIAMPolicyResponse allowed = authorizer.handleRequest(event, null);
        assertThat(allowed.getIsAuthorized()).isTrue();
        assertThat(allowed.getContext()).containsExactly(Map.entry("keyName", "default"));

        apiKeys.revoke("default");
        SimpleIAMPolicyResponse revoked = authorizer.handleRequest(event, null);
        // Let through to the route, whose handler answers 401 invalid_api_key in the envelope.
        assertThat(revoked.getIsAuthorized()).isTrue();
        assertThat(revoked.getContext()).containsExactly(Map.entry("authError", "invalid_api_key"));
    }

    @Test
    void routeEventsWithTheAuthorizersRefusalAre401InvalidApiKey() throws IOException {
        apiKeys.create("default", null, SAMPLE_KEY);
        apiKeys.revoke("default");
        SimpleIAMPolicyResponse refusal = new AuthorizeApiKeyHandler(new AuthorizeApiKey(apiKeys))
                .handleRequest(EventLoader.loadAPIGatewayV2CustomAuthorizerEvent("events/authorize-api-key.json"), null);
        APIGatewayV2HTTPEvent.RequestContext.Authorizer refused = APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                .withLambda(new java.util.HashMap<>(refusal.getContext())).build();

        APIGatewayV2HTTPEvent submit = EventLoader.loadApiGatewayHttpEvent("events/submit-video.json");
        submit.getRequestContext().setAuthorizer(refused);
        APIGatewayV2HTTPResponse answer = submitHandler.handleRequest(submit, null);
        assertThat(answer.getStatusCode()).isEqualTo(401);
        assertThat(JSON.readTree(answer.getBody()).path("error").path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(workflow.started).isEmpty();

        for (String sample : List.of("events/get-task.json", "events/list-tasks.json", "events/cancel-task.json", "events/get-usage.json")) {
            APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(sample);
            event.getRequestContext().setAuthorizer(refused);
            APIGatewayV2HTTPResponse routeAnswer = switch (sample) {
                case "events/get-task.json" -> getHandler.handleRequest(event, null);
                case "events/list-tasks.json" -> new ListTasksHandler(new ListTasks(store,
                        new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()))).handleRequest(event, null);
                case "events/cancel-task.json" -> new CancelTaskHandler(new CancelTask(store, Providers.router(provider), workflow,
                        new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()), Clock.systemUTC(), metrics))
                        .handleRequest(event, null);
                default -> new GetUsageHandler(new GetUsage(store, apiKeys, budgets, Clock.systemUTC())).handleRequest(event, null);
            };
            assertThat(routeAnswer.getStatusCode()).as(sample).isEqualTo(401);
            assertThat(JSON.readTree(routeAnswer.getBody()).path("error").path("code").asText()).as(sample).isEqualTo("invalid_api_key");
        }
    }

    @Test
    void theAuthorizersAnswerIsTheSimpleResponseApiGatewayReads() throws IOException {
        apiKeys.create("default", null, SAMPLE_KEY);
        SimpleIAMPolicyResponse answer = new AuthorizeApiKeyHandler(new AuthorizeApiKey(apiKeys))
                .handleRequest(EventLoader.loadAPIGatewayV2CustomAuthorizerEvent("events/authorize-api-key.json"), null);
        // As the Lambda runtime serialises it: API Gateway reads exactly these two fields.
        JsonNode json = JSON.readTree(JSON.writeValueAsString(answer));
        assertThat(json.path("isAuthorized").asBoolean()).isTrue();
        assertThat(json.path("context").path("keyName").asText()).isEqualTo("default");
    }

    @Test
    void routeEventsWithoutTheAuthorizersContextAre401() throws IOException {
        APIGatewayV2HTTPEvent submit = EventLoader.loadApiGatewayHttpEvent("events/submit-video.json");
        submit.getRequestContext().setAuthorizer(null);
        APIGatewayV2HTTPResponse refused = submitHandler.handleRequest(submit, null);
        assertThat(refused.getStatusCode()).isEqualTo(401);
        assertThat(JSON.readTree(refused.getBody()).path("error").path("code").asText()).isEqualTo("missing_api_key");
        assertThat(workflow.started).isEmpty();

        APIGatewayV2HTTPEvent get = EventLoader.loadApiGatewayHttpEvent("events/get-task.json");
        get.getRequestContext().setAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withLambda(Map.of()).build());
        assertThat(getHandler.handleRequest(get, null).getStatusCode()).isEqualTo(401);
    }

    @Test
    void submitEventOverTheKeysBudgetIsA402AndStartsNothing() throws IOException {
        apiKeys.create("default", new java.math.BigDecimal("0.30"), SAMPLE_KEY);

        APIGatewayV2HTTPResponse refused = submitHandler.handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/submit-video.json"), null);

        assertThat(refused.getStatusCode()).isEqualTo(402);
        JsonNode error = JSON.readTree(refused.getBody()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("insufficient_quota");
        assertThat(error.path("type").asText()).isEqualTo("insufficient_quota");
        assertThat(error.path("message").asText()).contains("$0.375").contains("$0.30");
        assertThat(workflow.started).isEmpty();
        assertThat(store.find(TASK)).isEmpty();
    }

    @Test
    void getTaskEventForATaskThatDoesNotExistIsA404() throws IOException {
        APIGatewayV2HTTPResponse got = getHandler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/get-task.json"), null);
        assertThat(got.getStatusCode()).isEqualTo(404);
        assertThat(JSON.readTree(got.getBody()).path("error").path("code").asText()).isEqualTo("task_not_found");
    }

    @Test
    void s3UploadEventStartsAGenerationForTheKeyNamedByThePrefix() throws IOException {
        String bucket = "reelay-dev-uploads-123456789012-us-east-1";
        InMemoryUploadedObjects uploads = new InMemoryUploadedObjects(bucket, archive.objects);
        uploads.put("uploads/default/beach at dusk.jpg", TestImages.jpeg(1280, 720), Map.of("prompt", "waves at dusk", "duration", "3"));
        InMemoryApiKeys keys = new InMemoryApiKeys();
        keys.create("default", null);
        String image = "s3://" + bucket + "/uploads/default/beach at dusk.jpg";
        InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
        SubmitVideoGeneration submit = new SubmitVideoGeneration(
                new GenerationRequestParser(false, WebhookUrlRules.STRICT, "s3://" + bucket + "/uploads/"),
                new FixedImageSource(Map.of(image, TestImages.jpeg(1280, 720))), archive.inputs(), Providers.table(provider), store, workflow,
                Clock.systemUTC(), () -> TASK, idempotency, keys, budgets, metrics);
        StartGenerationFromUploadHandler handler = new StartGenerationFromUploadHandler(new StartGenerationFromUpload(
                submit, uploads, keys, store, idempotency, () -> "task-unused", Clock.systemUTC()));

        List<String> outcomes = handler.handleRequest(EventLoader.loadS3Event("events/s3-upload.json"), null);
        List<String> again = handler.handleRequest(EventLoader.loadS3Event("events/s3-upload.json"), null);

        assertThat(outcomes).containsExactly("STARTED uploads/default/beach at dusk.jpg " + TASK);
        assertThat(again).isEqualTo(outcomes);
        var task = store.find(TASK).orElseThrow();
        assertThat(task.ownerKeyId()).isEqualTo("default");
        assertThat(task.request().prompt()).isEqualTo("waves at dusk");
        assertThat(task.request().imageStart()).isEqualTo(image);
        assertThat(task.quote().costUsd()).isEqualByComparingTo("0.225");
        assertThat(workflow.started).containsExactly(TASK);
        assertThat(archive.objects).containsKey("inputs/" + TASK + "/image_start.jpeg");
    }

    /** The batch of the batch events, as the create event makes it. */
    private static final String BATCH = "batch-1795398000-q7d2x9m4k1v8";
    private static final String UPLOADS_BUCKET = "reelay-dev-uploads-123456789012-us-east-1";

    /** The batch functions on in-memory ports, with the single API's submission, cancel and task views. */
    private record BatchFunctions(BatchesHandler api, AdvanceBatchHandler advance, StartBatchFromManifestHandler manifests,
                                  InMemoryBatchStore batches, InMemoryBatchRequests requests, RecordingBatchWorkflow workflow,
                                  InMemoryUploadedObjects uploads, List<String> webhooks) {
    }

    private BatchFunctions batchFunctions() throws IOException {
        InMemoryBatchStore batches = new InMemoryBatchStore();
        InMemoryBatchRequests requests = new InMemoryBatchRequests();
        RecordingBatchWorkflow batchWorkflow = new RecordingBatchWorkflow();
        InMemoryUploadedObjects uploads = new InMemoryUploadedObjects(UPLOADS_BUCKET, archive.objects);
        InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Supplier<String> taskIds = () -> String.format("task-1795398000-b%011d", made.incrementAndGet());
        byte[] beach = TestImages.jpeg(1280, 720);
        FixedImageSource images = new FixedImageSource(Map.of("https://images.example.com/beach-1280x720.jpg", beach,
                "s3://" + UPLOADS_BUCKET + "/batches/default/summer 2026/beach.jpg", beach));
        SubmitVideoGeneration api = new SubmitVideoGeneration(new GenerationRequestParser(), images, archive.inputs(),
                Providers.table(provider), store, workflow, Clock.systemUTC(), taskIds, idempotency, apiKeys, budgets, metrics);
        SubmitVideoGeneration fromManifests = new SubmitVideoGeneration(
                new GenerationRequestParser(false, WebhookUrlRules.STRICT, "s3://" + UPLOADS_BUCKET + "/batches/"), images,
                archive.inputs(), Providers.table(provider), store, workflow, Clock.systemUTC(), taskIds, idempotency, apiKeys, budgets, metrics);
        GetTask views = new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC());
        CancelTask cancelTask = new CancelTask(store, Providers.router(provider), workflow, views, Clock.systemUTC(), metrics);
        CreateBatch create = new CreateBatch(batches, requests, batchWorkflow, idempotency, WebhookUrlRules.STRICT, Clock.systemUTC(),
                () -> BATCH);
        ReadBatches reads = new ReadBatches(batches, store, views);
        List<String> webhooks = new ArrayList<>();
        AdvanceBatch advance = new AdvanceBatch(batches, requests, store, new AdvanceBatch.Submissions(api, fromManifests), cancelTask,
                uploads, "reelay-dev-archive", new FixedWebhookSecret("whsec_" + "A".repeat(44)), (url, headers, body) -> {
                    webhooks.add(url + " " + headers.get("webhook-id") + " " + new String(body, java.nio.charset.StandardCharsets.UTF_8));
                    return WebhookSender.Result.delivered(204);
                }, WebhookUrlRules.STRICT, WebhookSchedule.DEFAULT, Duration.ofSeconds(30), Duration.ofSeconds(40), Clock.systemUTC());
        return new BatchFunctions(new BatchesHandler(create, reads, new CancelBatch(batches, reads, cancelTask, store, Clock.systemUTC(),
                Duration.ofSeconds(20))), new AdvanceBatchHandler(advance),
                new StartBatchFromManifestHandler(new StartBatchFromManifest(create, uploads, apiKeys, Clock.systemUTC())),
                batches, requests, batchWorkflow, uploads, webhooks);
    }

    private static JsonNode answer(BatchesHandler handler, String event, int status) throws IOException {
        APIGatewayV2HTTPResponse response = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent(event), null);
        assertThat(response.getStatusCode()).as(event + ": " + response.getBody()).isEqualTo(status);
        return JSON.readTree(response.getBody());
    }

    /** The sample batch's tasks, in the order of its requests. */
    private static List<String> taskIds(InMemoryBatchStore batches) {
        return batches.entries(BATCH).stream().filter(entry -> entry.taskId() != null).map(entry -> entry.taskId()).toList();
    }

    /**
     * The create event makes the batch and starts its workflow (once, with its Idempotency-Key); the
     * advance event makes its valid requests into tasks and refuses the invalid one by index; get, tasks
     * and list show it; once its tasks end, the next advance completes it with its cost and one webhook.
     */
    @Test
    void batchEventsCreateTheBatchMakeItsTasksShowItAndCompleteItWithOneWebhook() throws IOException {
        apiKeys.create("default", null, SAMPLE_KEY);
        BatchFunctions batches = batchFunctions();

        JsonNode created = answer(batches.api(), "events/batches-create.json", 200);

        assertThat(created.path("id").asText()).isEqualTo(BATCH);
        assertThat(created.path("object").asText()).isEqualTo("batch");
        assertThat(created.path("status").asText()).isEqualTo("validating");
        assertThat(created.path("request_counts").path("total").asInt()).isEqualTo(3);
        assertThat(created.path("request_counts").path("pending").asInt()).isEqualTo(3);
        assertThat(created.path("callback_url").asText()).startsWith("https://hooks.example.com/");
        assertThat(created.path("metadata").path("campaign").asText()).isEqualTo("summer-2026");
        assertThat(batches.workflow().started).containsExactly(BATCH);
        assertThat(batches.requests().load(BATCH)).hasSize(3);
        assertThat(answer(batches.api(), "events/batches-create.json", 200).path("id").asText()).isEqualTo(BATCH);
        assertThat(batches.workflow().started).as("the same Idempotency-Key and body: the same batch").hasSize(1);

        JsonNode advanced = stepEvent(batches.advance(), "events/advance-batch.json");

        assertThat(advanced.path("batchId").asText()).isEqualTo(BATCH);
        assertThat(advanced.path("next").asText()).isEqualTo("wait");
        assertThat(advanced.path("waitSeconds").asInt()).isEqualTo(30);
        List<String> made = taskIds(batches.batches());
        assertThat(made).hasSize(2);
        assertThat(workflow.started).containsExactlyElementsOf(made);

        JsonNode got = answer(batches.api(), "events/batches-get.json", 200);
        assertThat(got.path("status").asText()).isEqualTo("in_progress");
        assertThat(got.path("request_counts").path("pending").asInt()).isEqualTo(2);
        assertThat(got.path("request_counts").path("refused").asInt()).isEqualTo(1);
        assertThat(got.path("errors")).hasSize(1);
        assertThat(got.path("errors").get(0).path("index").asInt()).isEqualTo(1);
        assertThat(got.path("errors").get(0).path("error").path("code").asText()).isEqualTo("invalid_duration");
        assertThat(got.path("errors").get(0).path("error").path("param").asText()).isEqualTo("duration");

        JsonNode tasks = answer(batches.api(), "events/batches-tasks.json", 200);
        assertThat(tasks.path("object").asText()).isEqualTo("list");
        assertThat(tasks.path("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(tasks.path("data").get(i).path("id").asText()).isEqualTo(made.get(i));
            assertThat(tasks.path("data").get(i).path("status").asText()).isEqualTo("pending");
            assertThat(tasks.path("data").get(i).path("task_info").path("batch_id").asText()).isEqualTo(BATCH);
        }

        Instant now = Instant.now();
        Quote charge = store.find(made.get(0)).orElseThrow().quote();
        store.recordResult(made.get(0), new TaskResult("videos/" + made.get(0) + ".mp4", "00ff", 8, 5), TimelineEvent.of(TimelineEvent.ARCHIVED, now));
        store.settle(made.get(0), charge, TimelineEvent.of(TimelineEvent.BILLED, now));
        store.markFailed(made.get(1), new Failure("provider_failed", "The vendor could not render the video."),
                new TimelineEvent(TimelineEvent.FAILED, now, "provider_failed"));

        JsonNode done = stepEvent(batches.advance(), "events/advance-batch.json");

        assertThat(done.path("next").asText()).isEqualTo("done");
        assertThat(done.path("webhookAttempts").asInt()).isEqualTo(1);
        JsonNode completed = answer(batches.api(), "events/batches-get.json", 200);
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("request_counts").path("completed").asInt()).isEqualTo(1);
        assertThat(completed.path("request_counts").path("failed").asInt()).isEqualTo(1);
        assertThat(completed.path("cost_usd").decimalValue()).isPositive().isEqualByComparingTo(charge.costUsd());
        assertThat(completed.path("completed_at").isNumber()).isTrue();
        assertThat(batches.webhooks()).singleElement().asString()
                .startsWith(created.path("callback_url").asText() + " msg_" + BATCH + " ").contains("\"status\":\"completed\"");
        assertThat(stepEvent(batches.advance(), "events/advance-batch.json").path("next").asText()).isEqualTo("done");
        assertThat(batches.webhooks()).hasSize(1);

        APIGatewayV2HTTPEvent list = EventLoader.loadApiGatewayHttpEvent("events/batches-list.json");
        JsonNode listed = JSON.readTree(batches.api().handleRequest(list, null).getBody());
        assertThat(listed.path("object").asText()).isEqualTo("list");
        assertThat(listed.path("data")).hasSize(1);
        assertThat(listed.path("data").get(0).path("id").asText()).isEqualTo(BATCH);
        assertThat(listed.path("data").get(0).path("status").asText()).isEqualTo("completed");
        assertThat(listed.path("has_more").asBoolean()).isFalse();
        list.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");
        assertThat(JSON.readTree(batches.api().handleRequest(list, null).getBody()).path("data")).isEmpty();
        APIGatewayV2HTTPEvent foreign = EventLoader.loadApiGatewayHttpEvent("events/batches-tasks.json");
        foreign.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");
        APIGatewayV2HTTPResponse notYours = batches.api().handleRequest(foreign, null);
        assertThat(notYours.getStatusCode()).isEqualTo(404);
        assertThat(JSON.readTree(notYours.getBody()).path("error").path("code").asText()).isEqualTo("batch_not_found");
    }

    /** The cancel event cancels the batch's pending tasks at once, for free; the next advance ends it cancelled. */
    @Test
    void batchesCancelEventCancelsTheBatchAndItsTasksFree() throws IOException {
        BatchFunctions batches = batchFunctions();
        answer(batches.api(), "events/batches-create.json", 200);
        stepEvent(batches.advance(), "events/advance-batch.json");
        List<String> made = taskIds(batches.batches());
        APIGatewayV2HTTPEvent foreign = EventLoader.loadApiGatewayHttpEvent("events/batches-cancel.json");
        foreign.getRequestContext().getAuthorizer().getLambda().put("keyName", "someone-else");
        assertThat(batches.api().handleRequest(foreign, null).getStatusCode()).isEqualTo(404);
        assertThat(batches.batches().find(BATCH).orElseThrow().cancelRequested()).isFalse();

        JsonNode cancelling = answer(batches.api(), "events/batches-cancel.json", 200);

        assertThat(cancelling.path("id").asText()).isEqualTo(BATCH);
        assertThat(cancelling.path("status").asText()).isEqualTo("cancelling");
        for (String taskId : made) {
            assertThat(store.find(taskId).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
            assertThat(store.find(taskId).orElseThrow().charged().costUsd()).isZero();
        }
        assertThat(provider.cancelRequests).isEmpty();

        assertThat(stepEvent(batches.advance(), "events/advance-batch.json").path("next").asText()).isEqualTo("done");

        JsonNode cancelled = answer(batches.api(), "events/batches-get.json", 200);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("request_counts").path("cancelled").asInt()).isEqualTo(2);
        assertThat(cancelled.path("request_counts").path("refused").asInt()).isEqualTo(1);
        assertThat(cancelled.path("cost_usd").decimalValue()).isZero();
        assertThat(batches.webhooks()).singleElement().asString().contains("\"status\":\"cancelled\"");
        JsonNode again = answer(batches.api(), "events/batches-cancel.json", 409);
        assertThat(again.path("error").path("code").asText()).isEqualTo("batch_not_cancellable");
        JsonNode tasks = answer(batches.api(), "events/batches-tasks.json", 200);
        assertThat(tasks.path("data")).extracting(task -> task.path("status").asText()).containsOnly("cancelled");
    }

    /**
     * The manifest event starts a batch for the key its folder names, with its relative image names
     * resolved next to it and its broken line refused by index; the batch's tasks read those images,
     * and its end writes the results file next to the manifest. A redelivered event makes nothing more.
     */
    @Test
    void s3BatchManifestEventStartsABatchRefusesTheBrokenLineAndEndsWithItsResultsFile() throws IOException {
        apiKeys.create("default", null, SAMPLE_KEY);
        BatchFunctions batches = batchFunctions();
        String manifest = "batches/default/summer 2026/shots.jsonl";
        batches.uploads().write(manifest, String.join("\n",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"Waves at dusk\",\"image_start\":\"beach.jpg\",\"duration\":5}",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"never closed\"",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"Gulls\",\"image_start\":\"beach.jpg\",\"duration\":3}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/x-ndjson");

        List<String> outcomes = batches.manifests().handleRequest(EventLoader.loadS3Event("events/s3-batch-manifest.json"), null);

        assertThat(outcomes).containsExactly("STARTED " + manifest + " " + BATCH);
        var batch = batches.batches().find(BATCH).orElseThrow();
        assertThat(batch.ownerKeyId()).isEqualTo("default");
        assertThat(batch.manifest()).isEqualTo("s3://" + UPLOADS_BUCKET + "/" + manifest);
        assertThat(batch.counts().total()).isEqualTo(3);
        assertThat(batches.batches().entries(BATCH)).singleElement().satisfies(broken -> {
            assertThat(broken.index()).isEqualTo(1);
            assertThat(broken.refusal().code()).isEqualTo("invalid_json");
        });
        assertThat(batches.manifests().handleRequest(EventLoader.loadS3Event("events/s3-batch-manifest.json"), null))
                .isEqualTo(outcomes);
        assertThat(batches.workflow().started).containsExactly(BATCH);

        assertThat(stepEvent(batches.advance(), "events/advance-batch.json").path("next").asText()).isEqualTo("wait");
        List<String> made = taskIds(batches.batches());
        assertThat(made).hasSize(2);
        for (String taskId : made) {
            assertThat(store.find(taskId).orElseThrow().request().imageStart())
                    .isEqualTo("s3://" + UPLOADS_BUCKET + "/batches/default/summer 2026/beach.jpg");
            Instant now = Instant.now();
            store.recordResult(taskId, new TaskResult("videos/" + taskId + ".mp4", "00ff", 8, 5), TimelineEvent.of(TimelineEvent.ARCHIVED, now));
            store.settle(taskId, store.find(taskId).orElseThrow().quote(), TimelineEvent.of(TimelineEvent.BILLED, now));
        }

        assertThat(stepEvent(batches.advance(), "events/advance-batch.json").path("next").asText()).isEqualTo("done");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : new String(batches.uploads().read(manifest + StartBatchFromManifest.RESULTS_SUFFIX, 1 << 20).orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8).lines().toList()) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).extracting(line -> line.path("status").asText()).containsExactly("completed", "refused", "completed");
        assertThat(lines.get(0).path("task_id").asText()).isEqualTo(made.get(0));
        assertThat(lines.get(0).path("video").asText()).isEqualTo("s3://reelay-dev-archive/videos/" + made.get(0) + ".mp4");
        assertThat(lines.get(1).path("error").path("code").asText()).isEqualTo("invalid_json");
        assertThat(lines.get(2).path("cost_usd").decimalValue()).isEqualByComparingTo(store.find(made.get(1)).orElseThrow().charged().costUsd());
        assertThat(batches.webhooks()).as("a manifest's batch has no callback_url").isEmpty();
    }

    /** Feeds an event file (its path on the test classpath, {@code events/...}) to a stream handler. */
    private static JsonNode stepEvent(RequestStreamHandler handler, String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = SampleEventsTest.class.getResourceAsStream("/" + event)) {
            assertThat(in).as(event).isNotNull();
            handler.handleRequest(in, out, null);
        }
        return JSON.readTree(out.toByteArray());
    }

    private static JsonNode step(RequestStreamHandler handler, String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = SampleEventsTest.class.getResourceAsStream("/events/" + event)) {
            assertThat(in).as("events/" + event).isNotNull();
            handler.handleRequest(in, out, null);
        }
        return JSON.readTree(out.toByteArray());
    }

}
