package dev.reelay.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.reelay.adapter.dynamodb.DynamoDbTaskStore;
import dev.reelay.adapter.sfn.StepFunctionsBatchWorkflow;
import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.ProviderClients;
import dev.reelay.adapter.provider.ProviderCredentials;
import dev.reelay.adapter.provider.Vendors;
import dev.reelay.application.PollingPolicy;
import dev.reelay.application.QueuePolicy;
import dev.reelay.application.VideoGenerationSteps;
import dev.reelay.config.ReelayConfig;
import dev.reelay.config.Wiring;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.application.ProviderCallbackReception;
import dev.reelay.handler.AdvanceBatchHandler;
import dev.reelay.handler.ArchiveVideoHandler;
import dev.reelay.handler.BatchesHandler;
import dev.reelay.handler.StartBatchFromManifestHandler;
import dev.reelay.local.sfn.StepFunctionsGlue;
import dev.reelay.handler.AuthorizeApiKeyHandler;
import dev.reelay.port.ApiKeys;
import dev.reelay.handler.AwaitProviderCallbackHandler;
import dev.reelay.handler.AwaitProviderSlotHandler;
import dev.reelay.handler.CancelTaskHandler;
import dev.reelay.handler.ListTasksHandler;
import dev.reelay.handler.DeliverWebhookHandler;
import dev.reelay.port.WebhookSecrets;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.handler.ProviderCallbackHandler;
import dev.reelay.handler.CheckStatusHandler;
import dev.reelay.handler.GetTaskHandler;
import dev.reelay.handler.GetUsageHandler;
import dev.reelay.handler.CreateUploadHandler;
import dev.reelay.handler.OpenApiDocumentHandler;
import dev.reelay.handler.ConsoleHandler;
import dev.reelay.handler.QuoteVideoHandler;
import dev.reelay.handler.RecordFailureHandler;
import dev.reelay.handler.SettleBillingHandler;
import dev.reelay.handler.SubmitToProviderHandler;
import dev.reelay.handler.StartGenerationFromUploadHandler;
import dev.reelay.handler.SubmitVideoHandler;
import dev.reelay.local.api.HttpApiServer;
import dev.reelay.local.calls.CallLedger;
import dev.reelay.local.engines.DynamoDbEngine;
import dev.reelay.local.engines.Engines;
import dev.reelay.local.engines.FreePorts;
import dev.reelay.local.engines.LocalEngines;
import dev.reelay.local.engines.S3Engine;
import dev.reelay.local.engines.LocalQueues;
import dev.reelay.local.lambda.LambdaInvokeServer;
import dev.reelay.local.lambda.LocalArns;
import dev.reelay.local.lambda.PojoHandlers;
import dev.reelay.local.engines.S3Notifications;
import dev.reelay.port.ApiKeys;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import dev.reelay.local.sandbox.SandboxSettings;
import dev.reelay.local.sandbox.Dialect;
import dev.reelay.local.sandbox.Dialects;
import dev.reelay.local.sandbox.Sandbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reelay's whole stack on one machine, with real engines: DynamoDB Local, s3proxy, the Step
 * Functions engine under Node, a sandbox provider, and the same handler classes AWS runs, reached
 * through a local Lambda Invoke endpoint and a local HTTP API.
 * <p>
 * The AWS services underneath (DynamoDB, S3, Step Functions) are an {@link Engines} seam: the
 * default is {@link LocalEngines}; {@link #start(Settings, RepoLayout, Engines.Factory)} takes
 * others (the tests' LocalStack backend). The API, the Lambda endpoint with the handlers and the
 * sandboxes stay in this JVM on every engine.
 */
public final class LocalRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRuntime.class);

    static {
        // The JDK's HTTP server (the local API, the Lambda endpoint, the sandboxes) writes an answer's
        // headers and body separately; with Nagle's algorithm on, the body then waits for the client's
        // delayed ACK, about 40 ms, whenever requests overlap (BENCHMARKS.md, "Submit latency"). The
        // server reads this once per JVM, when its first instance starts, so it is set before any does.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
    public static final String TASKS_TABLE = "TasksTable";
    public static final String ARCHIVE_BUCKET = "reelay-archive";
    public static final String UPLOADS_BUCKET = "reelay-uploads";
    public static final String STATE_MACHINE = "VideoGenerationStateMachine";
    /** The batch workflow (statemachine/batch.asl.json) and its one function, named as in template.yaml. */
    public static final String BATCH_STATE_MACHINE = "BatchStateMachine";
    static final String ADVANCE_BATCH_FUNCTION = "AdvanceBatchFunction";
    /** The batch manifest trigger, named as in template.yaml, and its notification filter. */
    public static final String MANIFEST_FUNCTION = "S3BatchManifestFunction";
    public static final String MANIFESTS_PREFIX = "batches/";
    public static final List<String> MANIFEST_SUFFIXES = List.of(".jsonl");
    /** How long the local batch workflow waits between two looks at a batch's tasks (30 s in AWS). */
    static final Duration LOCAL_BATCH_POLL = Duration.ofSeconds(1);
    static final String AWAIT_CALLBACK_FUNCTION = "AwaitProviderCallbackFunction";
    static final String AWAIT_SLOT_FUNCTION = "AwaitProviderSlotFunction";
    static final String DELIVER_WEBHOOK_FUNCTION = "DeliverWebhookFunction";
    static final String AUTHORIZER_FUNCTION = "AuthorizeApiKeyFunction";
    static final String BATCHES_FUNCTION = "BatchesFunction";
    /** How long the local API reuses an authorizer's decision, as the template's {@code ReauthorizeEvery}. */
    public static final Duration AUTHORIZER_CACHE_TTL = Duration.ofSeconds(60);
    /** The S3 trigger, named as in template.yaml. */
    public static final String UPLOAD_FUNCTION = "S3UploadFunction";
    /** The uploads bucket's notification filter, as template.yaml sets it: the prefix, and one of the suffixes (case-sensitive). */
    public static final String UPLOADS_PREFIX = "uploads/";
    public static final List<String> UPLOAD_SUFFIXES = List.of(".jpg", ".jpeg", ".png");
    /** The vendor credentials, which AWS reads from the Secrets Manager secret {@code ProviderSecretArn} names. */
    public static final String PROVIDER_SECRET = "ProviderSecret";
    /**
     * The names template.yaml gives the local stack's resources (a logical id, or the parameter that
     * names the secret), by their local names. Functions have their template names here too.
     */
    public static final Map<String, String> TEMPLATE_NAMES = Map.of(
            TASKS_TABLE, "TasksTable",
            ARCHIVE_BUCKET, "ArchiveBucket",
            UPLOADS_BUCKET, "UploadsBucket",
            STATE_MACHINE, "VideoGenerationStateMachine",
            BATCH_STATE_MACHINE, "BatchStateMachine",
            PROVIDER_SECRET, "ProviderSecretArn");
    /** The state machine's placeholder for the webhook dead-letter queue's URL, as in template.yaml. */
    static final String WEBHOOK_DEAD_LETTER_QUEUE_URL = "WebhookDeadLetterQueueUrl";

    /** The state machine's functions, by the names template.yaml gives them. */
    static final Map<String, Function<VideoGenerationSteps, RequestStreamHandler>> STEP_FUNCTIONS = stepFunctions();

    /**
     * @param stateDir where DynamoDB and S3 keep their data, or null to keep everything in memory
     * @param apiPort  the HTTP API's port, or 0 for any free one
     * @param environment where {@code REELAY_PROVIDER_*} may point the stack at real vendors
     * @param allowLocalWebhooks let {@code callback_url} be {@code http://localhost}: local mode only, never in AWS
     * @param authorizerCacheTtl how long the API reuses the authorizer's decision for one Authorization header
     * @param recordAwsCalls record which function makes which AWS call ({@link #awsCalls()}); off, it costs nothing
     */
    public record Settings(Path stateDir, SandboxSettings sandbox, PollingPolicy polling, int apiPort,
                           Map<String, String> environment, boolean allowLocalWebhooks, Duration authorizerCacheTtl,
                           boolean recordAwsCalls, QueuePolicy queue) {
        /** With the authorizer's cache as in AWS ({@link #AUTHORIZER_CACHE_TTL}). */
        public Settings(Path stateDir, SandboxSettings sandbox, PollingPolicy polling, int apiPort,
                        Map<String, String> environment, boolean allowLocalWebhooks) {
            this(stateDir, sandbox, polling, apiPort, environment, allowLocalWebhooks, AUTHORIZER_CACHE_TTL);
        }

        /** Without recording AWS calls, with no vendor caps and the local queue timings ({@link #LOCAL_QUEUE}). */
        public Settings(Path stateDir, SandboxSettings sandbox, PollingPolicy polling, int apiPort,
                        Map<String, String> environment, boolean allowLocalWebhooks, Duration authorizerCacheTtl) {
            this(stateDir, sandbox, polling, apiPort, environment, allowLocalWebhooks, authorizerCacheTtl, false, LOCAL_QUEUE);
        }

        /** In memory, fast renders and short waits, sandboxes only, local webhook receivers allowed: for tests. */
        public static Settings forTests() {
            return new Settings(null, SandboxSettings.forTests(), new PollingPolicy(1, 2, 1.5, Duration.ofMinutes(5), 200), 0,
                    Map.of(), true);
        }

        public Settings withAuthorizerCacheTtl(Duration ttl) {
            return new Settings(stateDir, sandbox, polling, apiPort, environment, allowLocalWebhooks, ttl, recordAwsCalls, queue);
        }

        public Settings withStateDir(Path dir) {
            return new Settings(dir, sandbox, polling, apiPort, environment, allowLocalWebhooks, authorizerCacheTtl, recordAwsCalls, queue);
        }

        /** Records which function makes which AWS call: for the IAM contract test. */
        public Settings withAwsCallRecording() {
            return new Settings(stateDir, sandbox, polling, apiPort, environment, allowLocalWebhooks, authorizerCacheTtl, true, queue);
        }

        /** The queue in front of the vendors: their caps and its timings. */
        public Settings withQueue(QueuePolicy policy) {
            return new Settings(stateDir, sandbox, polling, apiPort, environment, allowLocalWebhooks, authorizerCacheTtl, recordAwsCalls, policy);
        }

        /** At most {@code caps} slots per vendor at once ({@code --max-concurrency}). */
        public Settings withMaxConcurrency(Map<String, Integer> caps) {
            return withQueue(queue.withCaps(caps));
        }

        public Settings withEnvironment(Map<String, String> env) {
            return new Settings(stateDir, sandbox, polling, apiPort, env, allowLocalWebhooks, authorizerCacheTtl, recordAwsCalls, queue);
        }
    }

    /**
     * The local stack's queue: no vendor caps, a waiting task looks again every 3 s by itself and a
     * vendor that refused counts as smaller for 5 s, so that bursts drain quickly on a laptop.
     */
    public static final QueuePolicy LOCAL_QUEUE = new QueuePolicy(Map.of(), Duration.ofHours(6), Duration.ofSeconds(3),
            Duration.ofSeconds(5), Duration.ofMinutes(2));

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Engines engines;
    private final DynamoDbEngine dynamo;
    private final S3Engine s3;
    private final Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
    private final HttpApiServer api;
    private final ReelayConfig config;
    private final SfnClient sfn;
    private final LambdaInvokeServer lambdas;
    private final CallLedger awsCalls;
    private final LocalQueues queues;
    private final Path metricsDirectory;
    private WebhookSecrets.CreatedSecret webhookSecret;
    private final ApiKeys apiKeys;
    private final DefaultApiKey defaultApiKey;

    private LocalRuntime(Settings settings, RepoLayout layout, Engines.Factory enginesFactory) throws Exception {
        try {
            Path stateDir     = settings.stateDir();
            // Task tokens name no state machine: the local stack has one, whose tokens they all are.
            awsCalls = settings.recordAwsCalls() ? CallLedger.recording(STATE_MACHINE) : CallLedger.off();
            engines = track(enginesFactory.start(stateDir, awsCalls.interceptors()));
            dynamo = engines.dynamo();
            dynamo.createTasksTable(TASKS_TABLE);
            TaskIndexBackfill.run(dynamo.client(), TASKS_TABLE);
            OrphanedTasks.endAll(dynamo.client(), TASKS_TABLE,
                    new DynamoDbTaskStore(dynamo.client(), TASKS_TABLE, Clock.systemUTC()), Clock.systemUTC());
            s3 = engines.s3();
            s3.createBucket(ARCHIVE_BUCKET);
            s3.createBucket(UPLOADS_BUCKET);
            for (Function<SandboxSettings, Dialect> dialect : Dialects.ALL) {
                SandboxSettings own = settings.sandbox().withFreshApiKey();
                Sandbox started = track(Sandbox.start(dialect.apply(own), own, false));
                sandboxes.put(started.dialect().name(), started);
            }

            SdkHttpClient httpClient = track(UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)).build());
            // Vendors and image sources get a client of their own: its read timeout is what decides that a
            // vendor "did not answer" (REELAY_VENDOR_TIMEOUT_SECONDS, 60 s by default; AWS uses 30 s).
            HttpTransport http = new HttpTransport(track(UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(vendorTimeoutSeconds(settings.environment()))).build()));
            // Every vendor at its sandbox, with its known capabilities and default prices, unless the
            // environment points the stack at real vendors.
            Optional<RealProviders> real = RealProviders.fromEnvironment(settings.environment());
            ProviderTable providers = real.map(RealProviders::table).orElseGet(() -> new ProviderTable(sandboxes.values().stream()
                    .map(sandbox -> Vendors.named(sandbox.dialect().name()).profile(sandbox.baseUrl())).toList()));
            Map<String, Map<String, String>> keys = new LinkedHashMap<>();
            sandboxes.forEach((name, sandbox) -> keys.put(name, sandbox.dialect().credentials()));
            ProviderCredentials credentials = real.map(RealProviders::credentials).orElseGet(() -> ProviderCredentials.of(keys));
            real.ifPresent(r -> LOG.warn("Using real vendors {} instead of the sandboxes", r.table().profiles().stream()
                    .map(p -> p.name() + "=" + p.baseUrl()).toList()));
            // The API's port is fixed first: vendors' callback URLs point at it.
            int apiPort = settings.apiPort() != 0 ? settings.apiPort() : FreePorts.pick();
            config = new ReelayConfig(TASKS_TABLE, ARCHIVE_BUCKET, UPLOADS_BUCKET,
                    Optional.of(LocalArns.stateMachine(STATE_MACHINE)), providers, "local-sandboxes",
                    settings.polling(), Duration.ofHours(1), true, settings.allowLocalWebhooks(),
                    Optional.of(URI.create("http://127.0.0.1:" + apiPort)), WebhookSchedule.DEFAULT, settings.queue(),
                    Optional.of(LocalArns.stateMachine(BATCH_STATE_MACHINE)), LOCAL_BATCH_POLL);

            // The dead-letter queues: files under the state directory, or under a directory of this run's own
            // (removed on close, after the functions and the state machine that write there have stopped).
            queues = new LocalQueues(stateDir != null ? stateDir.resolve("dead-letters") : temporaryDirectory("reelay-dead-letters-"));
            // Each function's EMF documents, as CloudWatch would ingest them (docs/operations.md, "Metrics").
            metricsDirectory = stateDir != null ? stateDir.resolve("metrics") : temporaryDirectory("reelay-metrics-");
            // Only the state machines invoke functions synchronously (S3's invocations are asynchronous):
            // the batch machine its one function, the video generation machine all the others.
            lambdas = track(LambdaInvokeServer.start(LambdaInvokeServer.DEFAULT_ASYNC_RETRY_DELAYS, awsCalls,
                    function -> function.equals(ADVANCE_BATCH_FUNCTION) ? BATCH_STATE_MACHINE : STATE_MACHINE));
            Map<String, String> substitutions = new LinkedHashMap<>();
            STEP_FUNCTIONS.keySet().forEach(name -> substitutions.put(name + "Arn", LocalArns.function(name)));
            substitutions.put(AWAIT_CALLBACK_FUNCTION + "Arn", LocalArns.function(AWAIT_CALLBACK_FUNCTION));
            substitutions.put(AWAIT_SLOT_FUNCTION + "Arn", LocalArns.function(AWAIT_SLOT_FUNCTION));
            substitutions.put(DELIVER_WEBHOOK_FUNCTION + "Arn", LocalArns.function(DELIVER_WEBHOOK_FUNCTION));
            substitutions.put(WEBHOOK_DEAD_LETTER_QUEUE_URL, LocalArns.queueUrl(LocalQueues.WEBHOOK_DEAD_LETTERS));
            Path workDir = stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"));
            Engines.StateMachineEngine stateMachine = track(engines.deployStateMachine(new Engines.StateMachineSpec(List.of(
                    new StepFunctionsGlue.Machine(STATE_MACHINE, layout.stateMachineDefinition(), substitutions),
                    new StepFunctionsGlue.Machine(BATCH_STATE_MACHINE, layout.batchStateMachineDefinition(),
                            Map.of(ADVANCE_BATCH_FUNCTION + "Arn", LocalArns.function(ADVANCE_BATCH_FUNCTION)))),
                    lambdas.endpoint(), layout.sfnGlue(), workDir, queues.dir())));
            sfn = track(SfnClient.builder().endpointOverride(stateMachine.endpoint()).region(Region.of(LocalArns.REGION))
                    .credentialsProvider(stateMachine.credentials())
                    .httpClient(httpClient)
                    .overrideConfiguration(c -> c.executionInterceptors(awsCalls.interceptors())).build());

            // In AWS the credentials are read from Secrets Manager by the functions that call a vendor.
            Supplier<ProviderCredentials> credentialReads = awsCalls.secretReads(PROVIDER_SECRET, () -> credentials);
            Wiring wiring = new Wiring(config, dynamo.client(), s3.client(), awsCalls.presigner(s3.presigner()), sfn, http,
                    ProviderClients.create(providers, http, credentialReads, Wiring.json(), Clock.systemUTC()), Clock.systemUTC(),
                    Wiring.metricsFiles(metricsDirectory));
            VideoGenerationSteps steps = wiring.videoGenerationSteps();
            STEP_FUNCTIONS.forEach((name, handler) -> lambdas.register(name, handler.apply(steps)));
            ProviderCallbackReception callbacks = wiring.providerCallbackReception();
            lambdas.register(AWAIT_CALLBACK_FUNCTION, new AwaitProviderCallbackHandler(callbacks));
            lambdas.register(AWAIT_SLOT_FUNCTION, new AwaitProviderSlotHandler(steps));
            lambdas.register(DELIVER_WEBHOOK_FUNCTION, new DeliverWebhookHandler(
                    wiring.deliverWebhook(WebhookTrust.fromEnvironment(settings.environment()))));
            lambdas.register(ADVANCE_BATCH_FUNCTION, new AdvanceBatchHandler(
                    wiring.advanceBatch(WebhookTrust.fromEnvironment(settings.environment()))));
            // Only now that its step answers: a batch left running by an earlier run goes on.
            OrphanedBatches.resumeAll(dynamo.client(), TASKS_TABLE,
                    new StepFunctionsBatchWorkflow(sfn, LocalArns.stateMachine(BATCH_STATE_MACHINE)));
            // s3proxy raises no events: the local S3 sends the uploads bucket's notification itself,
            // as an asynchronous invocation of the upload function over the local Lambda endpoint
            // (other engines raise their own: see the engine's subscribe).
            lambdas.register(UPLOAD_FUNCTION, PojoHandlers.of(
                    new StartGenerationFromUploadHandler(wiring.startGenerationFromUpload()), S3Event.class));
            // As the template's DeadLetterQueue: an event every attempt failed on lands in UploadDeadLetterQueue.
            lambdas.deadLetterQueue(UPLOAD_FUNCTION, (event, attributes) ->
                    queues.send(LocalQueues.UPLOAD_DEAD_LETTERS, event, attributes));
            s3.subscribe(new S3Notifications.Subscription(UPLOAD_FUNCTION, UPLOADS_BUCKET, UPLOADS_PREFIX, UPLOAD_SUFFIXES,
                    lambdas.asyncInvoker(UPLOAD_FUNCTION)));
            lambdas.register(MANIFEST_FUNCTION, PojoHandlers.of(
                    new StartBatchFromManifestHandler(wiring.startBatchFromManifest()), S3Event.class));
            lambdas.deadLetterQueue(MANIFEST_FUNCTION, (event, attributes) ->
                    queues.send(LocalQueues.UPLOAD_DEAD_LETTERS, event, attributes));
            s3.subscribe(new S3Notifications.Subscription(MANIFEST_FUNCTION, UPLOADS_BUCKET, MANIFESTS_PREFIX, MANIFEST_SUFFIXES,
                    lambdas.asyncInvoker(MANIFEST_FUNCTION)));
            apiKeys = wiring.apiKeys();
            defaultApiKey = DefaultApiKey.ensure(apiKeys, stateDir);
            if (defaultApiKey.secret().isEmpty()) {
                LOG.warn("No usable default API key: {}", defaultApiKey.problem());
            }
            webhookSecret = wiring.webhookSecrets().ensure(DefaultApiKey.NAME);
            ConsoleHandler console = new ConsoleHandler(wiring.serveConsole());
            BatchesHandler batches = new BatchesHandler(wiring.createBatch(), wiring.readBatches(), wiring.cancelBatch());
            HttpApiServer.Authorizer authorizer = new HttpApiServer.Authorizer(AUTHORIZER_FUNCTION,
                    new AuthorizeApiKeyHandler(wiring.authorizeApiKey()), settings.authorizerCacheTtl());
            api = track(HttpApiServer.start(apiPort, authorizer, awsCalls, List.of(
                    HttpApiServer.Route.unauthenticated("POST", "/callbacks/{provider}/{secret}", "ProviderCallbackFunction",
                            new ProviderCallbackHandler(callbacks)),
                    new HttpApiServer.Route("POST", "/v1/videos/generations", "SubmitVideoFunction",
                            new SubmitVideoHandler(wiring.submitVideoGeneration())),
                    new HttpApiServer.Route("GET", "/v1/tasks", "ListTasksFunction",
                            new ListTasksHandler(wiring.listTasks())),
                    new HttpApiServer.Route("GET", "/v1/tasks/{id}", "GetTaskFunction",
                            new GetTaskHandler(wiring.getTask())),
                    new HttpApiServer.Route("POST", "/v1/tasks/{id}/cancel", "CancelTaskFunction",
                            new CancelTaskHandler(wiring.cancelTask())),
                    new HttpApiServer.Route("GET", "/v1/usage", "GetUsageFunction",
                            new GetUsageHandler(wiring.getUsage())),
                    new HttpApiServer.Route("POST", "/v1/uploads", "CreateUploadFunction",
                            new CreateUploadHandler(wiring.createUpload())),
                    new HttpApiServer.Route("POST", "/v1/quotes", "QuoteVideoFunction",
                            new QuoteVideoHandler(wiring.quoteVideoGeneration())),
                    new HttpApiServer.Route("POST", "/v1/batches", BATCHES_FUNCTION, batches),
                    new HttpApiServer.Route("GET", "/v1/batches", BATCHES_FUNCTION, batches),
                    new HttpApiServer.Route("GET", "/v1/batches/{id}", BATCHES_FUNCTION, batches),
                    new HttpApiServer.Route("GET", "/v1/batches/{id}/tasks", BATCHES_FUNCTION, batches),
                    new HttpApiServer.Route("POST", "/v1/batches/{id}/cancel", BATCHES_FUNCTION, batches),
                    HttpApiServer.Route.unauthenticated("GET", "/openapi.yaml", "OpenApiDocumentFunction", new OpenApiDocumentHandler()),
                    HttpApiServer.Route.unauthenticated("GET", ConsoleHandler.ROOT, "ConsoleFunction", console),
                    HttpApiServer.Route.unauthenticated("GET", ConsoleHandler.FILES, "ConsoleFunction", console))));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    public static LocalRuntime start(Settings settings) throws Exception {
        return start(settings, RepoLayout.locate());
    }

    public static LocalRuntime start(Settings settings, RepoLayout layout) throws Exception {
        return start(settings, layout, LocalEngines::start);
    }

    /** On other engines than the local ones, e.g. the tests' LocalStack backend. */
    public static LocalRuntime start(Settings settings, RepoLayout layout, Engines.Factory engines) throws Exception {
        long began = System.nanoTime();
        LocalRuntime runtime;
        try {
            runtime = new LocalRuntime(settings, layout, engines);
        } catch (Exception | Error e) {
            LOG.error("The local stack did not start", e);
            throw e;
        }
        LOG.info("Local stack up in {} ms on the {} engines: API {}", (System.nanoTime() - began) / 1_000_000,
                runtime.engines.name(), runtime.api.baseUrl());
        return runtime;
    }

    public java.net.URI apiBaseUrl() {
        return api.baseUrl();
    }

    /** The HTTP API's routes, e.g. {@code GET /v1/tasks/{id}}. */
    public List<String> apiRoutes() {
        return api.routeKeys();
    }

    public DynamoDbEngine dynamo() {
        return dynamo;
    }

    public S3Engine s3() {
        return s3;
    }

    /** The engines under this stack: {@code local} unless started on others. */
    public String engines() {
        return engines.name();
    }

    /** The sandbox of one vendor: {@code kling}, {@code unified}, {@code apimart} or {@code gateway}. */
    public Sandbox sandbox(String provider) {
        Sandbox sandbox = sandboxes.get(provider);
        if (sandbox == null) {
            throw new IllegalArgumentException("No sandbox for '" + provider + "'; running: " + sandboxes.keySet());
        }
        return sandbox;
    }

    /** The API keys of this stack (the owners of {@code uploads/{key-name}/}); tests make more with it. */
    public ApiKeys apiKeys() {
        return apiKeys;
    }

    /**
     * The secret of the local default API key ({@code default}), created on the first start. On
     * disk, it can be unusable (revoked, or its file removed): then this fails, saying why.
     */
    public String defaultApiKey() {
        return defaultApiKey.secret().orElseThrow(() -> new IllegalStateException("No usable default API key: " + defaultApiKey.problem()));
    }

    /** Whether {@link #defaultApiKey()} has a key to give. */
    public boolean hasDefaultApiKey() {
        return defaultApiKey.secret().isPresent();
    }

    /** Whether this start created the default key (a new local state). */
    public boolean defaultApiKeyCreated() {
        return defaultApiKey.created();
    }

    /** Why there is no usable default key, or null. */
    public String defaultApiKeyProblem() {
        return defaultApiKey.problem();
    }

    /** The local Lambda Invoke endpoint, where the functions are registered under their template names. */
    public URI lambdaEndpoint() {
        return lambdas.endpoint();
    }

    /** The secret that signs the default owner's webhooks, and whether this start created it (to show it once). */
    public WebhookSecrets.CreatedSecret webhookSecret() {
        return webhookSecret;
    }

    public ReelayConfig config() {
        return config;
    }

    /**
     * Which function made which AWS call, when {@link Settings#recordAwsCalls()}; else a ledger that
     * records nothing.
     */
    public CallLedger awsCalls() {
        return awsCalls;
    }

    /**
     * The dead-letter queues ({@link LocalQueues#UPLOAD_DEAD_LETTERS}, {@link LocalQueues#WEBHOOK_DEAD_LETTERS}): files
     * under {@code <state dir>/dead-letters/}, or under a temporary directory removed on close for an in-memory stack.
     */
    public LocalQueues queues() {
        return queues;
    }

    /**
     * Where each function appends its EMF documents, one per line, to {@code <function>.jsonl}:
     * {@code <state dir>/metrics/}, or a temporary directory removed on close for an in-memory stack.
     */
    public Path metricsDirectory() {
        return metricsDirectory;
    }

    /** A Step Functions client of the local engine, e.g. to describe a task's execution. */
    public SfnClient sfnClient() {
        return sfn;
    }

    /** A directory of this run's own, removed with everything in it when the stack stops. */
    private Path temporaryDirectory(String prefix) throws java.io.IOException {
        Path dir = java.nio.file.Files.createTempDirectory(prefix);
        track(() -> {
            try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(dir)) {
                for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(path);
                }
            }
        });
        return dir;
    }

    static int vendorTimeoutSeconds(Map<String, String> environment) {
        String value = environment.getOrDefault("REELAY_VENDOR_TIMEOUT_SECONDS", "60");
        try {
            int seconds = Integer.parseInt(value.trim());
            if (seconds >= 1) {
                return seconds;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new IllegalStateException("REELAY_VENDOR_TIMEOUT_SECONDS must be a whole number of seconds, at least 1: " + value);
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.push(resource);
        return resource;
    }

    /** Stops everything, newest first. DynamoDB Local leaves a thread behind: a main() must still exit. */
    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable resource = started.pop();
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Stopping {} failed", resource.getClass().getSimpleName(), e);
            }
        }
    }

    private static Map<String, Function<VideoGenerationSteps, RequestStreamHandler>> stepFunctions() {
        Map<String, Function<VideoGenerationSteps, RequestStreamHandler>> functions = new LinkedHashMap<>();
        functions.put("SubmitToProviderFunction", SubmitToProviderHandler::new);
        functions.put("CheckStatusFunction", CheckStatusHandler::new);
        functions.put("ArchiveVideoFunction", ArchiveVideoHandler::new);
        functions.put("SettleBillingFunction", SettleBillingHandler::new);
        functions.put("RecordFailureFunction", RecordFailureHandler::new);
        return Map.copyOf(functions);
    }
}
