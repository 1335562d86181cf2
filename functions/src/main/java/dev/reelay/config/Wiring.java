package dev.reelay.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.DynamoDbApiKeys;
import dev.reelay.adapter.dynamodb.DynamoDbBudgets;
import dev.reelay.adapter.dynamodb.DynamoDbIdempotencyKeys;
import dev.reelay.adapter.dynamodb.DynamoDbProviderCallbacks;
import dev.reelay.adapter.dynamodb.DynamoDbProviderSlots;
import dev.reelay.application.ProviderQueue;
import dev.reelay.application.QuoteVideoGeneration;
import dev.reelay.application.ServeConsole;
import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.provider.ProviderProfile;
import java.util.OptionalInt;
import dev.reelay.adapter.dynamodb.DynamoDbTaskStore;
import dev.reelay.adapter.dynamodb.DynamoDbTaskUsages;
import dev.reelay.adapter.dynamodb.DynamoDbWebhookSecrets;
import dev.reelay.adapter.webhook.HttpWebhookSender;
import dev.reelay.application.DeliverWebhook;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.adapter.metrics.EmfMetrics;
import dev.reelay.application.TaskLog;
import dev.reelay.port.Metrics;
import org.slf4j.MDC;
import java.nio.file.Path;
import dev.reelay.port.WebhookSecrets;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import java.time.Duration;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.image.FetchingImageSource;
import dev.reelay.adapter.s3.S3BucketReader;
import dev.reelay.adapter.s3.S3StagedInputs;
import dev.reelay.adapter.s3.S3UploadedObjects;
import dev.reelay.adapter.s3.S3VideoArchive;
import dev.reelay.application.StartGenerationFromUpload;
import dev.reelay.domain.upload.UploadKey;
import dev.reelay.adapter.sfn.StepFunctionsWorkflow;
import dev.reelay.application.AuthorizeApiKey;
import dev.reelay.application.CancelTask;
import dev.reelay.application.CircuitBreaker;
import dev.reelay.application.GetTask;
import dev.reelay.application.GetUsage;
import dev.reelay.application.CreateUpload;
import dev.reelay.adapter.s3.S3UploadUrls;
import dev.reelay.adapter.s3.S3PresignedOrigins;
import dev.reelay.application.ListTasks;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.application.ProviderRouter;
import dev.reelay.application.SubmitVideoGeneration;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.domain.provider.Capability;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.Budgets;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.ProviderCallbacks;
import dev.reelay.port.ProviderClient;
import dev.reelay.port.StagedInputs;
import dev.reelay.port.BatchStore;
import dev.reelay.adapter.dynamodb.DynamoDbBatchStore;
import dev.reelay.adapter.s3.S3BatchRequests;
import dev.reelay.adapter.sfn.StepFunctionsBatchWorkflow;
import dev.reelay.application.AdvanceBatch;
import dev.reelay.application.CancelBatch;
import dev.reelay.application.CreateBatch;
import dev.reelay.application.ReadBatches;
import dev.reelay.application.StartBatchFromManifest;
import dev.reelay.port.TaskStore;
import dev.reelay.port.VideoArchive;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Builds the use cases from configuration and clients. AWS wires it once from {@link AwsClients};
 * the local runtime wires it from clients pointed at its local engines: same classes either way.
 */
public final class Wiring {
    private final ReelayConfig config;
    private final TaskStore store;
    private final VideoArchive archive;
    private final StagedInputs inputs;
    private final HttpTransport http;
    private final SfnClient sfn;
    private final ProviderRouter router;
    private final Clock clock;
    private final ProviderCallbacks callbacks;
    private final IdempotencyKeys idempotency;
    private final VideoGenerationSteps steps;
    private final WebhookSecrets webhookSecrets;
    private final ApiKeys apiKeys;
    private final Budgets budgets;
    private final S3Client s3;
    private final ProviderQueue queue;
    private final Metrics metrics;
    private final DynamoDbTaskUsages taskUsages;
    private final S3Presigner presigner;
    private final BatchStore batchStore;

    /**
     * @param providers a client for every vendor of {@code config.providers()}, by name
     * @param metrics   where business metrics go: {@link #lambdaMetrics()} in AWS, {@link #metricsFiles} locally
     */
    public Wiring(ReelayConfig config, DynamoDbClient dynamo, S3Client s3, S3Presigner presigner, SfnClient sfn,
                  HttpTransport http, Map<String, ProviderClient> providers, Clock clock, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.store = new DynamoDbTaskStore(dynamo, config.tasksTable(), clock);
        this.archive = new S3VideoArchive(s3, presigner, config.archiveBucket());
        this.inputs = new S3StagedInputs(s3, presigner, config.uploadsBucket());
        this.s3 = s3;
        this.presigner = presigner;
        this.http = http;
        this.sfn = sfn;
        this.router = new ProviderRouter(config.providers(), providers, CircuitBreaker.standard(clock));
        this.clock = clock;
        this.callbacks = new DynamoDbProviderCallbacks(dynamo, config.tasksTable(), RANDOM, clock);
        this.webhookSecrets = new DynamoDbWebhookSecrets(dynamo, config.tasksTable(), RANDOM);
        this.idempotency = new DynamoDbIdempotencyKeys(dynamo, config.tasksTable(), clock);
        this.apiKeys = new DynamoDbApiKeys(dynamo, config.tasksTable(), RANDOM, clock);
        this.budgets = new DynamoDbBudgets(dynamo, config.tasksTable());
        this.taskUsages = new DynamoDbTaskUsages(dynamo, config.tasksTable());
        this.batchStore = new DynamoDbBatchStore(dynamo, config.tasksTable());
        this.queue = new ProviderQueue(new DynamoDbProviderSlots(dynamo, config.tasksTable()), config.queue(),
                config.providers().profiles().stream().map(ProviderProfile::name).toList(), store,
                new StepFunctionsWorkflow(sfn, config.stateMachineArn().orElse("")),
                name -> apiKeys.findByName(name).map(ApiKey::maxConcurrency).orElse(OptionalInt.empty()), clock);
        this.steps = new VideoGenerationSteps(store, router, archive, inputs, config.polling(), callbacks, config.callbackBaseUrl(), queue, clock, metrics);
    }

    /** Metrics in Lambda: EMF documents on stdout, which CloudWatch Logs turns into metrics. */
    public static Metrics lambdaMetrics() {
        return EmfMetrics.lambda();
    }

    /** Metrics locally: each function's EMF documents in {@code directory/<function>.jsonl}, named by the invocation's log context. */
    public static Metrics metricsFiles(Path directory) {
        return EmfMetrics.toFiles(directory, () -> MDC.get(TaskLog.FUNCTION));
    }

    public SubmitVideoGeneration submitVideoGeneration() {
        return submitVideoGeneration(null);
    }

    /**
     * The S3 upload trigger: submits like the HTTP API, and may also read the uploaded images
     * themselves ({@code s3://<uploads bucket>/uploads/...}), in AWS too. Only this use case gets
     * that image source; HTTP callers cannot make Reelay read a bucket.
     */
    public StartGenerationFromUpload startGenerationFromUpload() {
        String uploadedImages = "s3://" + config.uploadsBucket() + "/" + UploadKey.PREFIX;
        return new StartGenerationFromUpload(submitVideoGeneration(uploadedImages),
                new S3UploadedObjects(s3, config.uploadsBucket()), apiKeys, store, idempotency, TASK_IDS, clock);
    }

    /**
     * @param uploadedImagesPrefix the {@code s3://} prefix whose objects may be images too (the upload trigger), or null;
     *                             the HTTP API (null) reads the caller's own {@code upload://} references instead
     */
    private SubmitVideoGeneration submitVideoGeneration(String uploadedImagesPrefix) {
        FetchingImageSource images = new FetchingImageSource(http, new S3BucketReader(s3), config.allowLocalImageSources(),
                uploadedImagesPrefix);
        return new SubmitVideoGeneration(requestParser(uploadedImagesPrefix),
                uploadedImagesPrefix == null ? images.withDirectUploads(config.uploadsBucket(), clock) : images, inputs,
                config.providers(), store, new StepFunctionsWorkflow(sfn, config.requireStateMachineArn()), clock, TASK_IDS,
                idempotency, apiKeys, budgets, metrics);
    }

    /** {@code POST /v1/batches}: kept in the uploads bucket and the table, run by the batch state machine. */
    public CreateBatch createBatch() {
        return new CreateBatch(batchStore, new S3BatchRequests(s3, config.uploadsBucket()),
                new StepFunctionsBatchWorkflow(sfn, config.requireBatchStateMachineArn()), idempotency,
                new WebhookUrlRules(config.allowLocalWebhooks()), clock, BATCH_IDS);
    }

    /** A manifest under {@code batches/{key-name}/} of the uploads bucket starts a batch. */
    public StartBatchFromManifest startBatchFromManifest() {
        return new StartBatchFromManifest(createBatch(), new S3UploadedObjects(s3, config.uploadsBucket()), apiKeys, clock);
    }

    /** {@code GET /v1/batches}, {@code GET /v1/batches/{id}} and {@code GET /v1/batches/{id}/tasks}. */
    public ReadBatches readBatches() {
        return new ReadBatches(batchStore, store, getTask());
    }

    /** {@code POST /v1/batches/{id}/cancel}: what it cannot cancel within 20 s, the batch's workflow does. */
    public CancelBatch cancelBatch() {
        return new CancelBatch(batchStore, readBatches(), cancelTask(), store, clock, Duration.ofSeconds(20));
    }

    public AdvanceBatch advanceBatch() {
        return advanceBatch(Optional.empty());
    }

    /**
     * The batch workflow's step. A batch's requests are submitted as the HTTP API's (an API batch) or
     * as the upload trigger's, reading images next to the manifest ({@code s3://<uploads>/batches/}).
     * Its webhook goes out as a task's, with the same timeout and schedule.
     *
     * @param trust the certificates webhook receivers may present, when not the JVM's own (local mode only)
     */
    public AdvanceBatch advanceBatch(Optional<TlsTrustManagersProvider> trust) {
        String manifestImages = "s3://" + config.uploadsBucket() + "/" + UploadKey.BATCHES;
        return new AdvanceBatch(batchStore, new S3BatchRequests(s3, config.uploadsBucket()), store,
                new AdvanceBatch.Submissions(submitVideoGeneration(), submitVideoGeneration(manifestImages)), cancelTask(),
                new S3UploadedObjects(s3, config.uploadsBucket()), config.archiveBucket(), webhookSecrets, webhookSender(trust),
                new WebhookUrlRules(config.allowLocalWebhooks()), config.webhookSchedule(), config.batchPoll(),
                Duration.ofSeconds(40), clock);
    }

    /** The parser of a submission's body; {@code uploadedImagesPrefix} as for {@link #submitVideoGeneration(String)}. */
    private GenerationRequestParser requestParser(String uploadedImagesPrefix) {
        return new GenerationRequestParser(config.allowLocalImageSources(), new WebhookUrlRules(config.allowLocalWebhooks()),
                uploadedImagesPrefix);
    }

    /** The web console: its files, and a Content-Security-Policy naming the origins the presigner signs for. */
    public ServeConsole serveConsole() {
        return new ServeConsole(new S3PresignedOrigins(presigner, config.archiveBucket(), config.uploadsBucket()));
    }

    /** {@code POST /v1/quotes}: the HTTP API's parser and vendor table, and nothing that makes a call. */
    public QuoteVideoGeneration quoteVideoGeneration() {
        return new QuoteVideoGeneration(requestParser(null), config.providers());
    }

    /** {@code POST /v1/uploads}: presigned PUTs to {@code direct-uploads/<key name>/} of the uploads bucket. */
    public CreateUpload createUpload() {
        return new CreateUpload(new S3UploadUrls(presigner, config.uploadsBucket()), clock, UPLOAD_IDS);
    }

    public AuthorizeApiKey authorizeApiKey() {
        return new AuthorizeApiKey(apiKeys);
    }

    /** Task views say a cancel is free ({@code can_cancel}) before a vendor has the job, or when that vendor can stop it. */
    public GetTask getTask() {
        return new GetTask(store, archive, config.resultUrlValidity(), clock,
                provider -> config.providers().profile(provider).map(p -> p.can(Capability.CANCEL)).orElse(false),
                queue::position);
    }

    public ListTasks listTasks() {
        return new ListTasks(store, getTask());
    }

    /** {@code GET /v1/usage}: the key's tasks of a month from the owner index, and its budget. */
    public GetUsage getUsage() {
        return new GetUsage(taskUsages, apiKeys, budgets, clock);
    }

    public CancelTask cancelTask() {
        return new CancelTask(store, router, new StepFunctionsWorkflow(sfn, config.requireStateMachineArn()), getTask(), clock,
                queue::ended, metrics);
    }

    public VideoGenerationSteps videoGenerationSteps() {
        return steps;
    }

    public ProviderCallbackReception providerCallbackReception() {
        return new ProviderCallbackReception(callbacks, router, store,
                new StepFunctionsWorkflow(sfn, config.stateMachineArn().orElse("")), steps, clock);
    }

    /**
     * Webhooks get a client of their own: the 10 s timeout of the public API's webhooks (docs/api.md),
     * shorter than the shared client's.
     */
    public DeliverWebhook deliverWebhook() {
        return deliverWebhook(Optional.empty());
    }

    /** @param trust the certificates webhook receivers may present, when not the JVM's own (local mode only) */
    public DeliverWebhook deliverWebhook(Optional<TlsTrustManagersProvider> trust) {
        WebhookUrlRules rules = new WebhookUrlRules(config.allowLocalWebhooks());
        return new DeliverWebhook(store, store::appendEventToEndedTask, getTask(), webhookSecrets,
                webhookSender(trust), rules, config.webhookSchedule(), json(), clock, metrics);
    }

    private HttpWebhookSender webhookSender(Optional<TlsTrustManagersProvider> trust) {
        UrlConnectionHttpClient.Builder client = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(HttpWebhookSender.TIMEOUT_SECONDS))
                .socketTimeout(Duration.ofSeconds(HttpWebhookSender.TIMEOUT_SECONDS));
        trust.ifPresent(client::tlsTrustManagersProvider);
        return new HttpWebhookSender(new HttpTransport(client.build()), new WebhookUrlRules(config.allowLocalWebhooks()));
    }

    public ApiKeys apiKeys() {
        return apiKeys;
    }

    public Budgets budgets() {
        return budgets;
    }

    /** For the local launcher, which shows a newly created secret once. */
    public WebhookSecrets webhookSecrets() {
        return webhookSecrets;
    }

    public static ObjectMapper json() {
        return new ObjectMapper();
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    /** The random part of an upload id: 20 base-36 characters (103 bits). */
    static final Supplier<String> UPLOAD_IDS = () -> {
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
    };

    /** {@code task-<unix seconds>-<12 random base-36 characters>}: sortable by age, unguessable. */
    static final Supplier<String> TASK_IDS = () -> id("task-");

    /** {@code batch-<unix seconds>-<12 random base-36 characters>}, as task ids. */
    static final Supplier<String> BATCH_IDS = () -> id("batch-");

    private static String id(String prefix) {
        StringBuilder id = new StringBuilder(prefix).append(System.currentTimeMillis() / 1000).append('-');
        for (int i = 0; i < 12; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
    }
}
