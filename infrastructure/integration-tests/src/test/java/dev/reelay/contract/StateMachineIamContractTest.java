package dev.reelay.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.reelay.contract.CloudFormationTemplate.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state machines' own roles allow every task of their definitions, read statically: a Lambda
 * function as a task's Resource, or a service integration ({@code arn:aws:states:::lambda:invoke},
 * {@code sqs:sendMessage}, ...) on the resource its Parameters name. The local engine runs the
 * definition outside this JVM, so the recording of {@link IamContractTest} sees only the Lambda
 * invocations of the states its scenario reaches; this sees every Task state.
 */
class StateMachineIamContractTest {
    private static final Path REPO = RepoRoot.find();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([^}]+)}");
    private static final String INTEGRATION = "arn:aws:states:::";

    /** A permission a Task state needs: its action, its resource ARN, and the state that needs it. */
    record Need(String state, String action, String arn) {
    }

    @Test
    void everyTaskOfEveryStateMachineIsAllowedByItsRole() throws IOException {
        CloudFormationTemplate template = CloudFormationTemplate.load(REPO.resolve("template.yaml"));
        TemplateIam iam = new TemplateIam(template);
        Map<String, Map<String, Object>> machines = template.resourcesOfType("AWS::Serverless::StateMachine");
        assertThat(machines).isNotEmpty();
        List<String> refused = new ArrayList<>();
        machines.forEach((machine, properties) -> {
            Map<String, String> substitutions = new LinkedHashMap<>();
            map(properties.get("DefinitionSubstitutions")).forEach((name, value) -> substitutions.put(name, iam.resolve(value)));
            JsonNode definition;
            try {
                definition = JSON.readTree(REPO.resolve((String) properties.get("DefinitionUri")).toFile());
            } catch (IOException e) {
                throw new IllegalStateException(machine + "'s DefinitionUri", e);
            }
            List<Need> needs = new ArrayList<>();
            tasks(definition.path("States"), substitutions, needs);
            assertThat(needs).as(machine + " has tasks").isNotEmpty();
            for (Need need : needs) {
                if (!iam.decide(machine, need.action(), need.arn()).allowed()) {
                    refused.add(machine + " state " + need.state() + ": " + need.action() + " on " + need.arn());
                }
            }
            if (refused.stream().anyMatch(r -> r.startsWith(machine + " "))) {
                refused.add("  " + machine + "'s policies:");
                iam.statements(machine).forEach(statement -> refused.add("    " + statement));
            }
        });
        assertThat(refused).as("tasks the state machines' roles do not allow:\n" + String.join("\n", refused)).isEmpty();
    }

    /** The needs of every Task state, in Parallel branches and Map processors too. */
    private static void tasks(JsonNode states, Map<String, String> substitutions, List<Need> needs) {
        states.fields().forEachRemaining(entry -> {
            JsonNode state = entry.getValue();
            if (state.path("Type").asText().equals("Task")) {
                needs.add(need(entry.getKey(), state, substitutions));
            }
            state.path("Branches").forEach(branch -> tasks(branch.path("States"), substitutions, needs));
            for (String processor : List.of("Iterator", "ItemProcessor")) {
                if (state.has(processor)) {
                    tasks(state.path(processor).path("States"), substitutions, needs);
                }
            }
        });
    }

    private static Need need(String name, JsonNode state, Map<String, String> substitutions) {
        String resource = substitute(state.path("Resource").asText(), substitutions);
        if (!resource.startsWith(INTEGRATION)) {
            return new Need(name, "lambda:InvokeFunction", resource);
        }
        // arn:aws:states:::<service>:<api>[.waitForTaskToken] needs <service>:<Api> on what the Parameters name
        // (lambda:invoke is lambda:InvokeFunction). A .sync integration needs more, which this does not model.
        String integration = resource.substring(INTEGRATION.length());
        if (integration.contains(".sync")) {
            throw new IllegalArgumentException("State " + name + " uses " + resource
                    + ": a .sync integration needs more than its own action; teach StateMachineIamContractTest which");
        }
        integration = integration.replaceAll("\\.waitForTaskToken$", "");
        String service = integration.substring(0, integration.indexOf(':'));
        String api = integration.substring(integration.indexOf(':') + 1);
        String action = integration.equals("lambda:invoke") ? "lambda:InvokeFunction"
                : service + ":" + Character.toUpperCase(api.charAt(0)) + api.substring(1);
        JsonNode parameters = state.path("Parameters");
        String arn = switch (service) {
            case "lambda" -> functionArn(parameter(name, parameters, "FunctionName", substitutions));
            case "sqs" -> queueArn(parameter(name, parameters, "QueueUrl", substitutions));
            case "sns" -> parameter(name, parameters, "TopicArn", substitutions);
            case "states" -> parameter(name, parameters, "StateMachineArn", substitutions);
            case "dynamodb" -> "arn:" + TemplateIam.PARTITION + ":dynamodb:" + TemplateIam.REGION + ":" + TemplateIam.ACCOUNT
                    + ":table/" + parameter(name, parameters, "TableName", substitutions);
            default -> throw new IllegalArgumentException("State " + name + " uses " + resource
                    + ": teach StateMachineIamContractTest which resource that integration acts on");
        };
        return new Need(name, action, arn);
    }

    private static String parameter(String state, JsonNode parameters, String field, Map<String, String> substitutions) {
        if (!parameters.path(field).isTextual()) {
            throw new IllegalArgumentException("State " + state + " names its " + field + " only at run time ("
                    + parameters + "): its resource cannot be checked");
        }
        return substitute(parameters.path(field).asText(), substitutions);
    }

    private static String substitute(String text, Map<String, String> substitutions) {
        Matcher placeholder = SUBSTITUTION.matcher(text);
        StringBuilder out = new StringBuilder();
        while (placeholder.find()) {
            String value = substitutions.get(placeholder.group(1));
            if (value == null) {
                throw new IllegalArgumentException("No DefinitionSubstitution " + placeholder.group(1));
            }
            placeholder.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        placeholder.appendTail(out);
        return out.toString();
    }

    /** A function's name, partial or full ARN, as the ARN IAM checks. */
    private static String functionArn(String function) {
        return function.startsWith("arn:") ? function
                : "arn:" + TemplateIam.PARTITION + ":lambda:" + TemplateIam.REGION + ":" + TemplateIam.ACCOUNT + ":function:" + function;
    }

    /** {@code https://sqs.<region>.amazonaws.com/<account>/<name>} is {@code arn:aws:sqs:<region>:<account>:<name>}. */
    private static String queueArn(String url) {
        Matcher parts = Pattern.compile("https://sqs\\.([^.]+)\\.[^/]+/([^/]+)/([^/]+)").matcher(url);
        if (!parts.matches()) {
            throw new IllegalArgumentException("Not a queue URL: " + url);
        }
        return "arn:" + TemplateIam.PARTITION + ":sqs:" + parts.group(1) + ":" + parts.group(2) + ":" + parts.group(3);
    }
}
