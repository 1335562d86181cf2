package dev.reelay.handler;

import dev.reelay.config.RequestPriming;
import dev.reelay.domain.pricing.Quote;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.reelay.application.AdvanceBatch;
import dev.reelay.application.BatchRepresentation;
import dev.reelay.application.CancelBatch;
import dev.reelay.application.CreateBatch;
import dev.reelay.application.ReadBatches;
import dev.reelay.application.StartBatchFromManifest;
import dev.reelay.application.AuthorizeApiKey;
import dev.reelay.application.CancelTask;
import dev.reelay.application.QuoteVideoGeneration;
import dev.reelay.application.ServeConsole;
import dev.reelay.application.DeliverWebhook;
import dev.reelay.application.GetTask;
import dev.reelay.application.GetUsage;
import dev.reelay.application.CreateUpload;
import dev.reelay.application.ListTasks;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.StartGenerationFromUpload;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.TaskRepresentation;
import dev.reelay.application.TaskView;
import dev.reelay.application.UsageRepresentation;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.application.WorkflowState;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Task;
import org.crac.Context;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SnapStart priming: work done once, just before Lambda snapshots a published version's initialised
 * JVM, so that every instance restored from the snapshot starts with these code paths loaded,
 * initialised and partly compiled instead of paying for them on its first request. {@link AwsFunctions}
 * registers it as a CRaC {@link Resource} when a handler is built; the Lambda runtime calls
 * {@link #beforeCheckpoint} while publishing a version (on other JVMs, CRaC's global context never does).
 * It lives with the handlers because it loads them and warms their JSON mappers: the configuration
 * that builds the clients knows nothing of the handlers built from it.
 * <p>
 * A snapshot is restored many times, so priming must put nothing into it that has to differ between
 * instances or that may not outlive the publish. Each step below says why it is safe:
 * <ul>
 *   <li>no request leaves the JVM: the SDK requests are marshalled and dropped, never signed or sent,
 *   and the only response read is a constant given here;</li>
 *   <li>no credentials are resolved: the SDK's signing and identity stages are never reached (the
 *   clients' credentials providers stay unresolved until a real request), and Secrets Manager is
 *   read on first use only ({@code AwsClients.PROVIDER_CREDENTIALS});</li>
 *   <li>no randomness and no ids: no {@code SecureRandom}, {@code UUID} or task id is touched (the SDK's
 *   request pipeline, which adds a random invocation id, is not run); the sample task's id is a constant
 *   that is never stored or sent, and its times are the epoch, not the clock.</li>
 * </ul>
 * The marshallers are the SDK's generated ones (internal API): SnapStartPrimingTest fails if an SDK upgrade
 * changes them, rather than a deployment silently losing its priming.
 */
public final class SnapStartPriming implements Resource {
    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);
    /** A constant, not an id: it names the sample task in the samples below and goes nowhere. */
    static final String SAMPLE_TASK_ID = RequestPriming.SAMPLE_TASK_ID;
    /** A constant price for the sample task: five seconds, as a quote looks. */
    private static final Quote SAMPLE_QUOTE = new Quote(5, new java.math.BigDecimal("0.75"), new java.math.BigDecimal("54"));
    /** A workflow state as the state machine passes it from step to step: a constant. */
    private static final String SAMPLE_STATE = "{\"taskId\":\"" + SAMPLE_TASK_ID + "\",\"provider\":\"unified\","
            + "\"providerTaskId\":\"job-0\",\"checks\":1,\"waitSeconds\":5,\"deadline\":\"1970-01-01T01:00:00Z\","
            + "\"status\":\"processing\",\"awaitCallbacks\":false,\"error\":{\"Error\":\"x\",\"Cause\":\"y\"},"
            + "\"webhookStatus\":\"gave_up\",\"webhookAttempts\":4,\"webhookDeadLetter\":{\"taskId\":\"" + SAMPLE_TASK_ID
            + "\",\"attempts\":4,\"last_error\":{\"Error\":\"WebhookGaveUp\",\"Cause\":\"attempt 4: 500\"}},\"unknown\":1}";

    /** The classes a request goes through, loaded and initialised (their static state is constants and loggers). */
    private static final List<Class<?>> CLASSES = List.of(
            SubmitVideoHandler.class, GetTaskHandler.class, ListTasksHandler.class, GetUsageHandler.class, CreateUploadHandler.class, CancelTaskHandler.class,
            QuoteVideoHandler.class, ConsoleHandler.class,
            AuthorizeApiKeyHandler.class, ProviderCallbackHandler.class, StartGenerationFromUploadHandler.class,
            SubmitToProviderHandler.class, AwaitProviderSlotHandler.class, AwaitProviderCallbackHandler.class, CheckStatusHandler.class,
            ArchiveVideoHandler.class, SettleBillingHandler.class, RecordFailureHandler.class, DeliverWebhookHandler.class,
            BatchesHandler.class, AdvanceBatchHandler.class, StartBatchFromManifestHandler.class,
            SubmitVideoGeneration.class, GetTask.class, ListTasks.class, GetUsage.class, CreateUpload.class, CancelTask.class, AuthorizeApiKey.class,
            QuoteVideoGeneration.class, ServeConsole.class,
            ProviderCallbackReception.class, StartGenerationFromUpload.class, VideoGenerationSteps.class,
            DeliverWebhook.class, TaskRepresentation.class, UsageRepresentation.class, WorkflowState.class,
            CreateBatch.class, ReadBatches.class, CancelBatch.class, AdvanceBatch.class, StartBatchFromManifest.class,
            BatchRepresentation.class);

    /** Registers a priming with {@code context} (the CRaC global context in Lambda), which holds it weakly: keep the result. */
    static SnapStartPriming registerWith(Context<Resource> context) {
        SnapStartPriming priming = new SnapStartPriming();
        context.register(priming);
        return priming;
    }

    /** Primes; a failure only costs the first requests their speed, so it is logged and the snapshot goes ahead. */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            List<String> steps = prime();
            LOG.info("SnapStart priming done: {}", steps);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("SnapStart priming failed; the snapshot is taken without it", e);
        }
    }

    /** Nothing to refresh: priming kept nothing, and credentials are first resolved after the restore. */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
    }

    /** Runs every step, in order, and names them; the first failure is thrown. */
    List<String> prime() {
        List<String> steps = new ArrayList<>();
        loadClasses();
        steps.add("classes");
        json();
        steps.add("json");
        RequestPriming.dynamoDb();
        steps.add("dynamodb");
        RequestPriming.s3();
        steps.add("s3");
        RequestPriming.stepFunctions();
        steps.add("sfn");
        return steps;
    }

    /** Safe: initialising these classes builds loggers, JSON mappers and constants, nothing else. */
    private static void loadClasses() {
        ClassLoader loader = SnapStartPriming.class.getClassLoader();
        for (Class<?> type : CLASSES) {
            try {
                Class.forName(type.getName(), true, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Cannot load " + type.getName(), e);
            }
        }
    }

    /**
     * Safe: the handlers' own mappers read and write constants, one sample through each so that their
     * serializers and deserializers are built; the sample task is built in memory with a constant id,
     * the epoch for its times and a constant price, and is never stored.
     */
    private static void json() {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "priming", null,
                "https://snapstart-priming.invalid/start.jpg", null, 5, Quality.P1080, Sound.ON, "16:9", null,
                "https://snapstart-priming.invalid/hook", Map.of("cfg_scale", 0.5), null);
        Task task = Task.accepted(SAMPLE_TASK_ID, "priming", Instant.EPOCH, request, "inputs/" + SAMPLE_TASK_ID + "/image_start.jpeg",
                null, SAMPLE_QUOTE);
        try {
            WorkflowState state = WorkflowStepHandler.JSON.readValue(SAMPLE_STATE.getBytes(StandardCharsets.UTF_8), WorkflowState.class);
            byte[] written = WorkflowStepHandler.JSON.writeValueAsBytes(state);
            APIGatewayV2HTTPResponse answer = HttpExchange.json(200, TaskRepresentation.of(new TaskView(task, null, null)));
            Object parsedBack = HttpExchange.JSON.readValue(answer.getBody(), Object.class);
            if (written.length == 0 || answer.getBody().isEmpty() || parsedBack == null) {
                throw new IllegalStateException("JSON priming produced nothing");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Priming the handlers' JSON", e);
        }
    }

}
