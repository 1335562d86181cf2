package dev.reelay.contract;

import dev.reelay.adapter.http.HttpTransport;
import dev.reelay.adapter.provider.ProviderClients;
import dev.reelay.config.ReelayConfig;
import dev.reelay.config.Wiring;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.reelay.contract.CloudFormationTemplate.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every environment variable a function reads is set for it, and nothing is set that nothing
 * reads. What is read is found by running the real code: {@link ReelayConfig#fromEnvironment} on
 * each function's environment as the template sets it (recording which keys it reads), then the
 * {@link Wiring} factory the function's handler uses (which fails fast on a missing
 * function-specific key). Which function-specific keys a handler uses is read from the source of
 * its handler, of {@code Wiring}, of the workflow steps and of the queue in front of the vendors
 * (whose workflow, built from the state machine's ARN, asks whether a slot's execution still runs).
 */
class EnvironmentContractTest {
    private static final Path REPO = TemplateContractTest.REPO;
    private static final Path SOURCES = REPO.resolve("functions/src/main/java/dev/reelay");
    /** Read by the JVM itself, not by Reelay. */
    private static final Set<String> JVM_KEYS = Set.of("JAVA_TOOL_OPTIONS");
    /** Read by the Log4j configuration, not by ReelayConfig ({@link #theLoggingKeysAreReadByTheLogConfiguration}). */
    static final Set<String> LOGGING_KEYS = Set.of("REELAY_LOG_FORMAT", "REELAY_LOG_LEVEL");
    static final Path LOG_CONFIGURATION = REPO.resolve("functions/src/main/resources/reelay-log4j2.xml");
    /** Keys only some functions need: each must be set exactly where it is used. */
    private static final Map<String, Pattern> FUNCTION_SPECIFIC = Map.of(
            "STATE_MACHINE_ARN", Pattern.compile("\\bconfig\\.(requireStateMachineArn|stateMachineArn)\\(\\)|\\bworkflow\\.running\\("),
            "BATCH_STATE_MACHINE_ARN", Pattern.compile("\\bconfig\\.requireBatchStateMachineArn\\(\\)"),
            "CALLBACK_BASE_URL", Pattern.compile("\\bcallbackBaseUrl\\b"),
            "WEBHOOK_RETRY_SCHEDULE", Pattern.compile("\\bconfig\\.webhookSchedule\\(\\)"));
    /** Uses that make a function-specific key required, not merely read: without it, the function would fail or silently degrade. */
    private static final Map<String, Pattern> REQUIRED_BY = Map.of(
            // The queue's workflow names executions after the machine's ARN: without it, taking back a stale slot fails.
            "STATE_MACHINE_ARN", Pattern.compile("\\bconfig\\.requireStateMachineArn\\(\\)|\\bworkflow\\.running\\("),
            "BATCH_STATE_MACHINE_ARN", Pattern.compile("\\bconfig\\.requireBatchStateMachineArn\\(\\)"),
            "CALLBACK_BASE_URL", Pattern.compile("\\bcallbackBaseUrl\\b"));
    /** Plausible values for keys whose template value is an intrinsic function (an ARN, a URL). */
    private static final Map<String, String> SAMPLES = Map.of(
            "PROVIDER_ENDPOINTS", "unified=https://api.unified.example;kling=https://api-singapore.klingai.com",
            "PROVIDER_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:reelay-providers",
            "STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:reelay-dev-video-generation",
            "BATCH_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:reelay-dev-batches",
            "CALLBACK_BASE_URL", "https://abcdef1234.execute-api.us-east-1.amazonaws.com");
    private static CloudFormationTemplate template;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
    }

    private static Map<String, Object> variables(Map<String, Object> holder) {
        return map(map(holder.get("Environment")).get("Variables"));
    }

    /** A function's environment as Lambda would give it: Globals, then its own. */
    private static Map<String, String> environment(Map<String, Object> function) {
        Map<String, Object> parameters = map(template.root().get("Parameters"));
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, Object> all = new LinkedHashMap<>(variables(template.functionGlobals()));
        all.putAll(variables(function));
        all.forEach((key, value) -> env.put(key, sample(key, value, parameters)));
        return env;
    }

    private static String sample(String key, Object value, Map<String, Object> parameters) {
        if (SAMPLES.containsKey(key)) {
            return SAMPLES.get(key);
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        String ref = CloudFormationTemplate.ref(value);
        if (ref != null && parameters.containsKey(ref)) {
            Object fallback = map(parameters.get(ref)).get("Default");
            return fallback == null ? "" : fallback.toString();
        }
        return "sample-" + key.toLowerCase(java.util.Locale.ROOT);
    }

    /** The keys the code read. */
    private static final class RecordingEnvironment extends HashMap<String, String> {
        final Set<String> read = new TreeSet<>();

        RecordingEnvironment(Map<String, String> values) {
            super(values);
        }

        @Override
        public String get(Object key) {
            read.add((String) key);
            return super.get(key);
        }

        @Override
        public String getOrDefault(Object key, String fallback) {
            read.add((String) key);
            return super.getOrDefault(key, fallback);
        }

        @Override
        public boolean containsKey(Object key) {
            read.add((String) key);
            return super.containsKey(key);
        }
    }

    @Test
    void functionSpecificKeysAreNotSetForEveryFunction() {
        assertThat(variables(template.functionGlobals()).keySet()).doesNotContainAnyElementsOf(FUNCTION_SPECIFIC.keySet());
    }

    @Test
    void everyFunctionGetsWhatItReadsAndNothingElse() throws Exception {
        Map<String, Map<String, Object>> functions = template.resourcesOfType("AWS::Serverless::Function");
        assertThat(functions).isNotEmpty();
        for (Map.Entry<String, Map<String, Object>> function : functions.entrySet()) {
            String name = function.getKey();
            String handler = ((String) function.getValue().get("Handler")).split("::")[0];
            Map<String, String> env = environment(function.getValue());

            // Read once at init by every function (AwsClients, through AwsFunctions): the required keys must be there...
            RecordingEnvironment recording = new RecordingEnvironment(env);
            ReelayConfig config = ReelayConfig.fromEnvironment(recording);
            // ...and every key set must be one the code reads.
            Set<String> stray = new TreeSet<>(env.keySet());
            stray.removeAll(recording.read);
            stray.removeAll(JVM_KEYS);
            stray.removeAll(LOGGING_KEYS);
            assertThat(stray).as(name + ": variables set that nothing reads").isEmpty();

            Set<String> used = functionSpecificKeysUsedBy(handler);
            Set<String> required = functionSpecificKeysRequiredBy(handler);
            for (String key : FUNCTION_SPECIFIC.keySet()) {
                if (required.contains(key)) {
                    assertThat(env).as(name + " needs " + key + " (" + handler + ")").containsKey(key);
                }
                if (env.containsKey(key)) {
                    assertThat(used).as(name + " sets " + key + ", which " + handler + " never reads").contains(key);
                }
            }
            // The handler's own wiring, with this environment: fails fast on what it requires.
            for (String factory : wiringFactoriesOf(handler)) {
                try {
                    Wiring.class.getMethod(factory).invoke(wiring(config));
                } catch (InvocationTargetException e) {
                    throw new AssertionError(name + ": Wiring." + factory + "() fails with this environment: " + e.getCause(), e.getCause());
                }
            }
        }
    }

    /** What the template sets for the logging only is what the Log4j configuration reads, by that name. */
    @Test
    void theLoggingKeysAreReadByTheLogConfiguration() throws IOException {
        String configuration = Files.readString(LOG_CONFIGURATION);
        for (String key : LOGGING_KEYS) {
            assertThat(configuration.contains("propertyName=\"" + key + "\"") || configuration.contains("env:" + key + ":"))
                    .as(LOG_CONFIGURATION + " reads " + key).isTrue();
        }
        Set<String> logging = new TreeSet<>(variables(template.functionGlobals()).keySet());
        logging.retainAll(LOGGING_KEYS);
        assertThat(logging).as("Globals sets what the logging reads, for every function").isEqualTo(LOGGING_KEYS);
    }

    @Test
    void theCheckNoticesAMissingOrStrayVariable() {
        Map<String, String> env = new HashMap<>(SAMPLES);
        env.put("TASKS_TABLE", "t");
        env.put("ARCHIVE_BUCKET", "a");
        env.put("UPLOADS_BUCKET", "u");
        RecordingEnvironment recording = new RecordingEnvironment(env);
        ReelayConfig.fromEnvironment(recording);
        assertThat(recording.read).contains("TASKS_TABLE", "CALLBACK_BASE_URL").doesNotContain("FOO");
        env.remove("TASKS_TABLE");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReelayConfig.fromEnvironment(env)).hasMessageContaining("TASKS_TABLE");
        assertThat(functionSpecificKeysRequiredBy("dev.reelay.handler.SubmitVideoHandler")).contains("STATE_MACHINE_ARN");
        assertThat(functionSpecificKeysRequiredBy("dev.reelay.handler.ProviderCallbackHandler")).doesNotContain("STATE_MACHINE_ARN");
        assertThat(functionSpecificKeysUsedBy("dev.reelay.handler.SubmitToProviderHandler")).contains("CALLBACK_BASE_URL");
        assertThat(functionSpecificKeysUsedBy("dev.reelay.handler.GetTaskHandler")).isEmpty();
        assertThat(functionSpecificKeysRequiredBy("dev.reelay.handler.CheckStatusHandler")).containsExactly("STATE_MACHINE_ARN");
        assertThat(functionSpecificKeysRequiredBy("dev.reelay.handler.ArchiveVideoHandler")).isEmpty();
        assertThat(functionSpecificKeysUsedBy("dev.reelay.handler.DeliverWebhookHandler")).containsExactly("WEBHOOK_RETRY_SCHEDULE");
    }

    private static Wiring wiring(ReelayConfig config) {
        URI nowhere = URI.create("http://127.0.0.1:9");
        AnonymousCredentialsProvider anonymous = AnonymousCredentialsProvider.create();
        var http = UrlConnectionHttpClient.create();
        HttpTransport transport = new HttpTransport(http);
        return new Wiring(config,
                DynamoDbClient.builder().region(Region.US_EAST_1).credentialsProvider(anonymous).endpointOverride(nowhere).httpClient(http).build(),
                S3Client.builder().region(Region.US_EAST_1).credentialsProvider(anonymous).endpointOverride(nowhere).httpClient(http).build(),
                S3Presigner.builder().region(Region.US_EAST_1).credentialsProvider(anonymous).endpointOverride(nowhere).build(),
                SfnClient.builder().region(Region.US_EAST_1).credentialsProvider(anonymous).endpointOverride(nowhere).httpClient(http).build(),
                transport,
                ProviderClients.create(config.providers(), transport, () -> {
                    throw new IllegalStateException("no vendor credentials in a contract test");
                }, Wiring.json(), Clock.systemUTC()),
                Clock.systemUTC(), Wiring.lambdaMetrics());
    }

    /** The {@code Wiring} methods a handler's no-arg constructor calls: {@code AwsFunctions.WIRING.getTask()}. */
    private static List<String> wiringFactoriesOf(String handlerClass) {
        Matcher call = Pattern.compile("AwsFunctions\\.WIRING\\.(\\w+)\\(\\)").matcher(source(handlerClass));
        List<String> factories = new java.util.ArrayList<>();
        while (call.find()) {
            factories.add(call.group(1));
        }
        return factories;
    }

    static Set<String> functionSpecificKeysUsedBy(String handlerClass) {
        return keysMatching(reachedBy(handlerClass), FUNCTION_SPECIFIC);
    }

    static Set<String> functionSpecificKeysRequiredBy(String handlerClass) {
        return keysMatching(reachedBy(handlerClass), REQUIRED_BY);
    }

    private static Set<String> keysMatching(String code, Map<String, Pattern> uses) {
        Set<String> keys = new LinkedHashSet<>();
        uses.forEach((key, use) -> {
            if (use.matcher(code).find()) {
                keys.add(key);
            }
        });
        return keys;
    }

    /** The code a handler reaches: its own, its Wiring factory's, the workflow steps it runs and the queue's methods they call. */
    private static String reachedBy(String handlerClass) {
        String handler = source(handlerClass);
        String reached = handler;
        for (String factory : wiringFactoriesOf(handlerClass)) {
            reached += reachable(read("config/Wiring.java"), factory);
        }
        Matcher step = Pattern.compile("steps::(\\w+)").matcher(handler);
        while (step.find()) {
            reached += reachable(read("application/VideoGenerationSteps.java"), step.group(1));
        }
        Matcher queued = Pattern.compile("\\bqueue(?:\\.|::)(\\w+)").matcher(reached);
        StringBuilder queue = new StringBuilder();
        while (queued.find()) {
            queue.append(reachable(read("application/ProviderQueue.java"), queued.group(1)));
        }
        return reached + queue;
    }

    /** The bodies of a method and of every method of the same class it calls, transitively. */
    private static String reachable(String classSource, String method) {
        Map<String, String> bodies = methodBodies(classSource);
        Set<String> seen = new LinkedHashSet<>();
        List<String> work = new java.util.ArrayList<>(List.of(method));
        StringBuilder text = new StringBuilder();
        while (!work.isEmpty()) {
            String next = work.remove(0);
            if (!seen.add(next) || !bodies.containsKey(next)) {
                continue;
            }
            String body = bodies.get(next);
            text.append(body);
            Matcher call = Pattern.compile("\\b(\\w+)\\(").matcher(body);
            while (call.find()) {
                work.add(call.group(1));
            }
        }
        return text.toString();
    }

    private static Map<String, String> methodBodies(String source) {
        Map<String, String> bodies = new HashMap<>();
        Matcher declaration = Pattern.compile("\\n    (?:public |private |static |final )*[\\w<>?, .\\[\\]]+ (\\w+)\\([^;{]*\\)\\s*(?:throws [\\w, .]+)?\\{").matcher(source);
        while (declaration.find()) {
            int depth = 1;
            int i = declaration.end();
            while (depth > 0 && i < source.length()) {
                char c = source.charAt(i++);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            }
            bodies.merge(declaration.group(1), source.substring(declaration.end(), i), String::concat);
        }
        return bodies;
    }

    private static String source(String className) {
        return read(className.replace("dev.reelay.", "").replace('.', '/') + ".java");
    }

    private static String read(String relative) {
        try {
            return Files.readString(SOURCES.resolve(relative));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
