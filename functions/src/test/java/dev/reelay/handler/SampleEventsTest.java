package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.DeliverWebhook;
import dev.reelay.application.GetTask;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.WebhookSecrets;
import dev.reelay.port.WebhookSender;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.StartGenerationFromUpload;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.task.TaskStatus;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.testing.FakeProvider;
import dev.reelay.testing.FixedImageSource;
import dev.reelay.testing.InMemoryApiKeys;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.InMemoryUploadedObjects;
import dev.reelay.testing.InMemoryIdempotencyKeys;
import dev.reelay.testing.InMemoryProviderCallbacks;
import dev.reelay.testing.InMemoryTaskStore;
import dev.reelay.testing.RecordingWorkflow;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feeds every sample event in {@code events/} to its handler, so the samples never rot. The
 * ports are in-memory fakes: this is a test of the handlers and use cases, not of AWS.
 */
class SampleEventsTest {
    private static final String TASK = "task-1795397400-k3v9q2m7x1pz";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final InMemoryArchive archive = new InMemoryArchive();
    private final FakeProvider provider = new FakeProvider("unified");
    private final RecordingWorkflow workflow = new RecordingWorkflow();
    private final InMemoryProviderCallbacks callbacks = new InMemoryProviderCallbacks();
    private SubmitVideoHandler submitHandler;
    private GetTaskHandler getHandler;
    private VideoGenerationSteps steps;

    @BeforeEach
    void wire() throws IOException {
        FixedImageSource images = new FixedImageSource(Map.of("https://images.example.com/beach-1280x720.jpg", jpeg(1280, 720)));
        submitHandler = new SubmitVideoHandler(new SubmitVideoGeneration(new GenerationRequestParser(), images, archive,
                Providers.table(provider), store, workflow, Clock.systemUTC(), () -> TASK,
                new InMemoryIdempotencyKeys()));
        getHandler = new GetTaskHandler(new GetTask(store, archive, Duration.ofMinutes(10), Clock.systemUTC()));
        steps = new VideoGenerationSteps(store, Providers.router(provider), archive, new PollingPolicy(10, 60, 1.5, Duration.ofHours(1), 200),
                callbacks, java.util.Optional.empty(), Clock.systemUTC());
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

        provider.status = new JobStatus(JobStatus.State.RUNNING, 40, null, null);
        JsonNode stillRunning = step(new CheckStatusHandler(steps), "check-status.json");
        assertThat(stillRunning.path("status").asText()).isEqualTo("processing");
        assertThat(stillRunning.path("checks").asInt()).isEqualTo(1);
        assertThat(stillRunning.path("waitSeconds").asInt()).isBetween(10, 60);

        provider.status = new JobStatus(JobStatus.State.SUCCEEDED, 100, URI.create("https://files.provider.example/v.mp4"), null);
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
    void providerCallbackEventOnAnUnknownSecretIsA404AndChangesNothing() throws IOException {
        ProviderCallbackReception reception = new ProviderCallbackReception(callbacks, Providers.router(provider), store,
                workflow, steps, Clock.systemUTC());
        APIGatewayV2HTTPResponse response = new ProviderCallbackHandler(reception).handleRequest(
                EventLoader.loadApiGatewayHttpEvent("events/provider-callback.json"), null);
        assertThat(response.getStatusCode()).isEqualTo(404);
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
                owner -> new WebhookSecrets.CreatedSecret("whsec_" + "A".repeat(44), false),
                (url, headers, body) -> {
                    sent.add(url.toString());
                    return WebhookSender.Result.delivered(204);
                }, WebhookUrlRules.STRICT, WebhookSchedule.SEED, new ObjectMapper(), Clock.systemUTC());

        JsonNode state = step(new DeliverWebhookHandler(deliver), "deliver-webhook.json");

        assertThat(state.path("webhookStatus").asText()).isEqualTo("none");
        assertThat(sent).isEmpty();
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
        uploads.put("uploads/default/beach at dusk.jpg", jpeg(1280, 720), Map.of("prompt", "waves at dusk", "duration", "3"));
        InMemoryApiKeys keys = new InMemoryApiKeys();
        keys.create("default", null);
        String image = "s3://" + bucket + "/uploads/default/beach at dusk.jpg";
        InMemoryIdempotencyKeys idempotency = new InMemoryIdempotencyKeys();
        SubmitVideoGeneration submit = new SubmitVideoGeneration(
                new GenerationRequestParser(false, WebhookUrlRules.STRICT, "s3://" + bucket + "/uploads/"),
                new FixedImageSource(Map.of(image, jpeg(1280, 720))), archive, Providers.table(provider), store, workflow,
                Clock.systemUTC(), () -> TASK, idempotency);
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

    private static JsonNode step(RequestStreamHandler handler, String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = SampleEventsTest.class.getResourceAsStream("/events/" + event)) {
            assertThat(in).as("events/" + event).isNotNull();
            handler.handleRequest(in, out, null);
        }
        return JSON.readTree(out.toByteArray());
    }

    static byte[] jpeg(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "jpg", out);
        return out.toByteArray();
    }
}
