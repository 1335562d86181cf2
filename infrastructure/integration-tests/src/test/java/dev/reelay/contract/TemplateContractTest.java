package dev.reelay.contract;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.reelay.contract.CloudFormationTemplate.map;
import static dev.reelay.contract.CloudFormationTemplate.ref;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code template.yaml} is right by construction: we cannot deploy from here, so these tests hold
 * it against the code it deploys: the built jar, the state machine definition, the log groups.
 */
class TemplateContractTest {
    static final Path REPO = RepoRoot.find();
    private static CloudFormationTemplate template;
    private static Map<String, Map<String, Object>> functions;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
        functions = template.resourcesOfType("AWS::Serverless::Function");
    }

    @Test
    void everyHandlerNamesAHandlerClassAndMethodInTheBuiltJar() throws Exception {
        Path jar = REPO.resolve((String) template.functionGlobals().get("CodeUri"));
        assertThat(jar).as("the CodeUri of Globals: build it with mvn package").isRegularFile();
        assertThat(functions).isNotEmpty();
        // The jar alone, with no parent but the JDK's: what Lambda will load.
        try (URLClassLoader lambda = new URLClassLoader(new URL[]{jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            for (Map.Entry<String, Map<String, Object>> function : functions.entrySet()) {
                String handler = (String) function.getValue().get("Handler");
                assertThat(handler).as(function.getKey()).matches("[\\w.]+::\\w+");
                String[] parts = handler.split("::");
                // Not initialised: initialising would build the AWS clients, as Lambda's init does.
                Class<?> type = Class.forName(parts[0], false, lambda);
                assertThat(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()))
                        .as(handler + " is a public concrete class").isTrue();
                assertThat(type.getConstructor()).as(handler + " has a public no-arg constructor").isNotNull();
                boolean handlerInterface = false;
                for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                    handlerInterface |= Arrays.stream(c.getInterfaces()).map(Class::getName)
                            .anyMatch(name -> name.equals(RequestHandler.class.getName()) || name.equals(RequestStreamHandler.class.getName()));
                }
                assertThat(handlerInterface).as(handler + " implements RequestHandler or RequestStreamHandler").isTrue();
                Method[] methods = Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(parts[1]) && !m.isBridge()).toArray(Method[]::new);
                assertThat(methods).as(handler + " has the method").isNotEmpty();
            }
        }
    }

    /**
     * sam build must deploy the jar Maven built, not try to build the jar file as a source folder (which
     * fails): every function takes its CodeUri from Globals and says Metadata: {SkipBuild: true}.
     */
    @Test
    void everyFunctionDeploysTheMavenJarAsIsSoSamBuildSkipsIt() {
        assertThat((String) template.functionGlobals().get("CodeUri")).endsWith(".jar");
        for (String name : functions.keySet()) {
            Map<String, Object> resource = template.resources().get(name);
            assertThat(CloudFormationTemplate.map(resource.get("Metadata")).get("SkipBuild")).as(name + " Metadata.SkipBuild").isEqualTo(true);
            assertThat(functions.get(name)).as(name + " has no CodeUri of its own").doesNotContainKey("CodeUri");
        }
    }

    /**
     * Every function logs, through Globals, to a log group of this template that keeps its logs
     * LogRetentionDays (Lambda names each stream after its function, so one group serves them all); no
     * function logs elsewhere, and every log group of the template keeps its logs as long and is used.
     */
    @Test
    void everyFunctionLogsToALogGroupWithRetention() throws IOException {
        Map<String, Map<String, Object>> logGroups = template.resourcesOfType("AWS::Logs::LogGroup");
        Map<String, Object> logging = map(template.functionGlobals().get("LoggingConfig"));
        String group = ref(logging.get("LogGroup"));
        assertThat(group).as("Globals.Function.LoggingConfig.LogGroup is a !Ref").isNotNull();
        assertThat(logging.get("LogFormat")).as("JSON lines, filtered by level (TemplateObservabilityContractTest)").isEqualTo("JSON");
        assertThat(logGroups).as("the functions' log group").containsKey(group);
        assertThat((String) map(logGroups.get(group).get("LogGroupName")).get("Fn::Sub"))
                .as("Lambda cannot log to a custom group under aws/").startsWith("/reelay/${Stage}/");
        for (String function : functions.keySet()) {
            assertThat(functions.get(function)).as(function + " logs through Globals, as every function").doesNotContainKey("LoggingConfig");
        }
        String text = Files.readString(REPO.resolve("template.yaml"));
        logGroups.forEach((id, logGroup) -> {
            assertThat(ref(logGroup.get("RetentionInDays"))).as(id + " retention").isEqualTo("LogRetentionDays");
            assertThat(text).as(id + " is used").containsAnyOf("!Ref " + id + "\n", "!GetAtt " + id + ".Arn");
        });
    }

    @Test
    void everyPlaceholderOfEachStateMachineHasASubstitutionAndTheReverse() throws IOException {
        Map<String, Map<String, Object>> machines = template.resourcesOfType("AWS::Serverless::StateMachine");
        assertThat(machines).as("a task's workflow and a batch's").containsOnlyKeys("VideoGenerationStateMachine", "BatchStateMachine");
        for (Map<String, Object> machine : machines.values()) {
            placeholdersAreSubstituted(machine);
        }
    }

    private void placeholdersAreSubstituted(Map<String, Object> machine) throws IOException {
        String definition = Files.readString(REPO.resolve((String) machine.get("DefinitionUri")));
        Set<String> placeholders = new TreeSet<>();
        Matcher placeholder = Pattern.compile("\\$\\{(\\w+)}").matcher(definition);
        while (placeholder.find()) {
            placeholders.add(placeholder.group(1));
        }
        Map<String, Object> substitutions = new LinkedHashMap<>(map(machine.get("DefinitionSubstitutions")));
        assertThat(substitutions.keySet()).isEqualTo(placeholders);
        Map<String, Map<String, Object>> queues = template.resourcesOfType("AWS::SQS::Queue");
        substitutions.forEach((name, value) -> {
            if (name.endsWith("QueueUrl")) {
                // Each FooQueueUrl is !Ref FooQueue (a queue's Ref is its URL), a queue of this template.
                assertThat(ref(value)).as(name).isEqualTo(name.replaceAll("Url$", ""));
                assertThat(queues).as(name).containsKey(name.replaceAll("Url$", ""));
                return;
            }
            // Each FooFunctionArn is !Ref FooFunction.Alias (the alias ARN: its version has the SnapStart
            // snapshot), of a function of this template.
            assertThat(ref(value)).as(name).isEqualTo(name.replaceAll("Arn$", "") + ".Alias");
            assertThat(functions).as(name).containsKey(name.replaceAll("Arn$", ""));
        });
    }

    /**
     * Every function has sample events in events/, named after it ({@code SubmitVideoFunction} →
     * {@code submit-video.json}, or {@code provider-callback-kling.json} for one of several), and
     * every event is fed to a handler by SampleEventsTest, so none can rot unnoticed.
     */
    @Test
    void everyFunctionHasSampleEventsThatItsTestsUse() throws IOException {
        Set<String> events = new TreeSet<>();
        try (var files = Files.list(REPO.resolve("events"))) {
            files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".json")).forEach(events::add);
        }
        String sampleEventsTest = Files.readString(REPO.resolve("functions/src/test/java/dev/reelay/handler/SampleEventsTest.java"));
        Set<String> covered = new TreeSet<>();
        for (String function : functions.keySet()) {
            String kebab = function.replaceAll("Function$", "").replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
            java.util.List<String> own = events.stream().filter(e -> e.equals(kebab + ".json") || e.startsWith(kebab + "-")).toList();
            assertThat(own).as(function + " has events/" + kebab + ".json (or " + kebab + "-*.json)").isNotEmpty();
            covered.addAll(own);
        }
        for (String event : events) {
            String stem = event.replaceAll("\\.json$", "");
            boolean used = sampleEventsTest.contains("events/" + event) || sampleEventsTest.contains("\"" + event + "\"")
                    || (stem.contains("-") && sampleEventsTest.contains("\"events/" + stem.substring(0, stem.lastIndexOf('-') + 1) + "\""));
            assertThat(used).as(event + " is fed to a handler by SampleEventsTest").isTrue();
        }
        assertThat(covered).as("events that belong to no function").isEqualTo(events);
    }
}
