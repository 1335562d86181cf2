package dev.reelay.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.dynamodb.TasksTableSchema;
import dev.reelay.application.WorkflowState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.reelay.contract.CloudFormationTemplate.list;
import static dev.reelay.contract.CloudFormationTemplate.map;
import static dev.reelay.contract.CloudFormationTemplate.ref;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code template.yaml} deploys around the code, held against itself and the code: functions
 * published with SnapStart behind an alias that every invoker uses, sized each on purpose; the
 * state machine's logging and tracing; the table's TTL and index; the archive's optional
 * Infrequent Access; the dead-letter queues and their wiring; the alarms; the API's authorization;
 * and no {@code "*"} resource but where AWS requires it.
 */
class TemplateOperationsContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALIAS = "live";
    /** The only actions granted on "*": AWS offers no resource-level permissions for them. */
    private static final Set<String> WILDCARD_ONLY_ACTIONS = Set.of("states:SendTaskSuccess", "logs:CreateLogDelivery",
            "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
            "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups", "xray:PutTraceSegments",
            "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets");
    private static CloudFormationTemplate template;
    private static String text;
    private static Map<String, Map<String, Object>> functions;
    private static Map<String, Object> machine;
    private static Map<String, Object> batchMachine;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(TemplateContractTest.REPO.resolve("template.yaml"));
        text = Files.readString(TemplateContractTest.REPO.resolve("template.yaml"));
        functions = template.resourcesOfType("AWS::Serverless::Function");
        machine = template.resourcesOfType("AWS::Serverless::StateMachine").get("VideoGenerationStateMachine");
        batchMachine = template.resourcesOfType("AWS::Serverless::StateMachine").get("BatchStateMachine");
    }

    @Test
    void everyFunctionRunsJava21OnArm64PublishedWithSnapStartUnderTheAlias() {
        Map<String, Object> globals = template.functionGlobals();
        assertThat(globals.get("Runtime")).isEqualTo("java21");
        assertThat(globals.get("Architectures")).isEqualTo(List.of("arm64"));
        assertThat(globals.get("AutoPublishAlias")).isEqualTo(ALIAS);
        assertThat(globals.get("AutoPublishAliasAllProperties")).as("a new snapshot for any change, env included").isEqualTo(true);
        assertThat(map(globals.get("SnapStart")).get("ApplyOn")).isEqualTo("PublishedVersions");
        functions.forEach((id, function) -> {
            for (String property : List.of("Runtime", "Architectures", "AutoPublishAlias", "SnapStart", "CodeUri")) {
                assertThat(function).as(id + " keeps the global " + property).doesNotContainKey(property);
            }
        });
    }

    @Test
    void everyFunctionIsSizedOnPurposeWithItsReason() {
        functions.forEach((id, function) -> {
            assertThat(function.get("MemorySize")).as(id + " MemorySize").isInstanceOf(Integer.class);
            assertThat(function.get("Timeout")).as(id + " Timeout").isInstanceOf(Integer.class);
            int memory = (Integer) function.get("MemorySize");
            int timeout = (Integer) function.get("Timeout");
            assertThat(block(id)).as(id + ": a one-line reason for its size")
                    .containsPattern("# " + memory + " MB, " + timeout + " s: \\S");
            assertThat(timeout).isBetween(1, 900);
        });
        assertThat((Integer) functions.get("ArchiveVideoFunction").get("Timeout")).isEqualTo(900);
        assertThat((Integer) functions.get("ArchiveVideoFunction").get("MemorySize"))
                .isGreaterThan((Integer) functions.get("CheckStatusFunction").get("MemorySize"));
        // API Gateway gives an HTTP API integration 30 s.
        httpRoutes().forEach((route, function) -> assertThat((Integer) functions.get(function).get("Timeout"))
                .as(route).isLessThan(30));
        assertThat((Integer) functions.get("OpenApiDocumentFunction").get("MemorySize")).isLessThanOrEqualTo(256);
    }

    @Test
    void everythingThatInvokesAFunctionInvokesItsAlias() throws IOException {
        Map<String, Object> authorizer = map(map(map(properties("ReelayHttpApi").get("Auth")).get("Authorizers")).get("ApiKeyAuthorizer"));
        assertThat(ref(authorizer.get("FunctionArn"))).isEqualTo("AuthorizeApiKeyFunction.Alias");
        assertThat(authorizer.get("EnableFunctionDefaultPermissions")).isEqualTo(true);

        List<String> substituted = new ArrayList<>();
        map(machine.get("DefinitionSubstitutions")).forEach((name, value) -> {
            if (name.endsWith("FunctionArn")) {
                assertThat(ref(value)).as(name).isEqualTo(name.replaceAll("Arn$", "") + ".Alias");
                substituted.add(ref(value));
            }
        });
        assertThat(substituted).hasSize(8);
        assertThat(statements(machine).stream().filter(s -> actions(s).contains("lambda:InvokeFunction"))
                .flatMap(s -> resources(s).stream()).map(CloudFormationTemplate::ref).toList())
                .as("the state machine may invoke the aliases, and nothing else")
                .containsExactlyInAnyOrderElementsOf(substituted);
        // Nothing in the template names an unqualified function ARN (HTTP and S3 events are wired by SAM, to the alias).
        for (String id : functions.keySet()) {
            assertThat(text).as(id).doesNotContain("!GetAtt " + id + ".Arn").doesNotContain("${" + id + ".Arn}");
        }
        assertThat(definitionText()).doesNotContain("arn:aws:lambda:");
    }

    @Test
    void theApiAuthorizesEveryRouteButTheCallbacksItsDescriptionAndTheConsoleAndLogsAsJson() throws IOException {
        Map<String, Object> api = properties("ReelayHttpApi");
        assertThat(map(api.get("Auth")).get("DefaultAuthorizer")).isEqualTo("ApiKeyAuthorizer");
        Map<String, String> open = new LinkedHashMap<>();
        functions.forEach((id, function) -> map(function.get("Events")).forEach((name, event) -> {
            Map<String, Object> properties = map(map(event).get("Properties"));
            if ("HttpApi".equals(map(event).get("Type"))) {
                assertThat(ref(properties.get("ApiId"))).as(id).isEqualTo("ReelayHttpApi");
                if (map(properties.get("Auth")).containsKey("Authorizer")) {
                    open.put(properties.get("Method") + " " + properties.get("Path"), (String) map(properties.get("Auth")).get("Authorizer"));
                }
            }
        }));
        assertThat(open).isEqualTo(Map.of("POST /callbacks/{provider}/{secret}", "NONE", "GET /openapi.yaml", "NONE",
                "GET /", "NONE", "GET /console/{file}", "NONE"));
        assertThat(httpRoutes()).containsEntry("GET /openapi.yaml", "OpenApiDocumentFunction")
                .containsEntry("GET /", "ConsoleFunction").containsEntry("GET /console/{file}", "ConsoleFunction");
        assertThat(functions.get("OpenApiDocumentFunction").get("Handler")).isEqualTo("dev.reelay.handler.OpenApiDocumentHandler::handleRequest");
        Map<String, Object> logs = map(api.get("AccessLogSettings"));
        JsonNode format = JSON.readTree((String) logs.get("Format"));
        assertThat(format.isObject()).isTrue();
        assertThat(format.fieldNames()).toIterable().contains("requestId", "routeKey", "status");
        assertThat(map(api.get("DefaultRouteSettings"))).containsKeys("ThrottlingBurstLimit", "ThrottlingRateLimit");
    }

    @Test
    void theStateMachineLogsWithoutExecutionDataAndTracesOnlyWhenAsked() {
        Map<String, Object> parameters = map(template.root().get("Parameters"));
        Map<String, Object> conditions = map(template.root().get("Conditions"));
        Map<String, Object> logging = map(machine.get("Logging"));
        assertThat(logging.get("IncludeExecutionData")).isEqualTo(Map.of("Fn::If", List.of("LogExecutionData", true, false)));
        assertThat(map(parameters.get("StateMachineLogExecutionData")).get("Default")).isEqualTo("false");
        assertThat(conditions.get("LogExecutionData")).isEqualTo(Map.of("Fn::Equals", List.of(Map.of("Ref", "StateMachineLogExecutionData"), "true")));
        assertThat(ref(logging.get("Level"))).isEqualTo("StateMachineLogLevel");
        assertThat(map(machine.get("Tracing")).get("Enabled")).isEqualTo(Map.of("Fn::If", List.of("TraceStateMachine", true, false)));
        assertThat(map(parameters.get("StateMachineTracing")).get("Default")).isEqualTo("false");
        assertThat(conditions.get("TraceStateMachine")).isEqualTo(Map.of("Fn::Equals", List.of(Map.of("Ref", "StateMachineTracing"), "true")));
        // SAM grants X-Ray only for a literal true: the template grants it under the same condition.
        List<Object> xray = list(map(machine).get("Policies")).stream()
                .filter(policy -> map(policy).containsKey("Fn::If")).map(policy -> list(map(policy).get("Fn::If"))).findFirst().orElseThrow();
        assertThat(xray.get(0)).isEqualTo("TraceStateMachine");
        assertThat(actions(list(map(xray.get(1)).get("Statement")).get(0))).contains("xray:PutTraceSegments");
        assertThat(xray.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
    }

    @Test
    void theTasksTableIsOnDemandRecoverableExpiresWhatTheCodeMarksAndHasTheListIndex() {
        Map<String, Object> table = properties("TasksTable");
        assertThat(table.get("BillingMode")).isEqualTo("PAY_PER_REQUEST");
        assertThat(map(table.get("PointInTimeRecoverySpecification")).get("PointInTimeRecoveryEnabled")).isEqualTo(true);
        assertThat(map(table.get("TimeToLiveSpecification"))).isEqualTo(Map.of("AttributeName", TasksTableSchema.TTL_ATTRIBUTE, "Enabled", true));
        assertThat(list(table.get("GlobalSecondaryIndexes"))).extracting(index -> map(index).get("IndexName"))
                .as("the list's index, and none for callbacks (found by primary key)").containsExactly(TasksTableSchema.OWNER_INDEX.name());
    }

    @Test
    void theTasksTableHasTheKeysAndIndexOfTheSchemaClass() {
        Map<String, Object> table = properties("TasksTable");
        assertThat(list(table.get("KeySchema"))).containsExactly(
                Map.of("AttributeName", TasksTableSchema.PARTITION_KEY, "KeyType", "HASH"),
                Map.of("AttributeName", TasksTableSchema.SORT_KEY, "KeyType", "RANGE"));
        assertThat(list(table.get("AttributeDefinitions"))).extracting(definition -> map(definition).get("AttributeName"))
                .containsExactlyInAnyOrderElementsOf(TasksTableSchema.KEY_ATTRIBUTES);
        assertThat(list(table.get("AttributeDefinitions"))).extracting(definition -> map(definition).get("AttributeType")).containsOnly("S");
        Map<String, Object> index = map(list(table.get("GlobalSecondaryIndexes")).get(0));
        assertThat(index.get("IndexName")).isEqualTo(TasksTableSchema.OWNER_INDEX.name());
        assertThat(list(index.get("KeySchema"))).containsExactly(
                Map.of("AttributeName", TasksTableSchema.OWNER_INDEX.partitionKey(), "KeyType", "HASH"),
                Map.of("AttributeName", TasksTableSchema.OWNER_INDEX.sortKey(), "KeyType", "RANGE"));
        assertThat(map(index.get("Projection"))).isEqualTo(Map.of("ProjectionType", "ALL"));
    }

    @Test
    void theArchiveMovesToInfrequentAccessOnlyWhenAskedAndKeepsItsSafeguards() {
        Map<String, Object> bucket = properties("ArchiveBucket");
        assertThat(bucket).containsKeys("BucketEncryption", "PublicAccessBlockConfiguration");
        List<Object> rules = list(map(bucket.get("LifecycleConfiguration")).get("Rules"));
        assertThat(rules).anySatisfy(rule -> assertThat(map(rule).get("AbortIncompleteMultipartUpload")).isNotNull());
        List<Object> conditional = rules.stream().filter(rule -> map(rule).containsKey("Fn::If"))
                .map(rule -> list(map(rule).get("Fn::If"))).findFirst().orElseThrow();
        assertThat(conditional.get(0)).isEqualTo("ArchiveToInfrequentAccess");
        Map<String, Object> transition = map(list(map(conditional.get(1)).get("Transitions")).get(0));
        assertThat(transition.get("StorageClass")).isEqualTo("STANDARD_IA");
        assertThat(ref(transition.get("TransitionInDays"))).isEqualTo("ArchiveInfrequentAccessDays");
        assertThat(conditional.get(2)).isEqualTo(Map.of("Ref", "AWS::NoValue"));
        assertThat(map(template.root().get("Conditions")).get("ArchiveToInfrequentAccess")).isEqualTo(Map.of("Fn::Not",
                List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "ArchiveInfrequentAccessDays"), "0")))));
        Map<String, Object> days = map(map(template.root().get("Parameters")).get("ArchiveInfrequentAccessDays"));
        assertThat(days.get("Default")).isEqualTo(0);
        assertThat(list(days.get("AllowedValues"))).allSatisfy(value -> assertThat((Integer) value).satisfiesAnyOf(
                v -> assertThat(v).isZero(), v -> assertThat(v).isGreaterThanOrEqualTo(30)));
        assertThat(text).as("TLS-only policy").contains("aws:SecureTransport: false");
    }

    @Test
    void theDeadLetterQueuesExistAreEncryptedKeepTwoWeeksAndAreWired() throws IOException {
        Map<String, Map<String, Object>> queues = template.resourcesOfType("AWS::SQS::Queue");
        assertThat(queues).containsOnlyKeys("UploadDeadLetterQueue", "WebhookDeadLetterQueue");
        queues.forEach((id, queue) -> {
            assertThat(queue.get("MessageRetentionPeriod")).as(id).isEqualTo(14 * 24 * 3600);
            assertThat(queue.get("SqsManagedSseEnabled")).as(id).isEqualTo(true);
            assertThat(ref(map(map(template.root().get("Outputs")).get(id + "Url")).get("Value"))).as(id + " output").isEqualTo(id);
        });
        Map<String, Object> dlq = map(functions.get("S3UploadFunction").get("DeadLetterQueue"));
        assertThat(dlq.get("Type")).isEqualTo("SQS");
        assertThat(dlq.get("TargetArn")).isEqualTo(Map.of("Fn::GetAtt", List.of("UploadDeadLetterQueue", "Arn")));

        assertThat(ref(map(machine.get("DefinitionSubstitutions")).get("WebhookDeadLetterQueueUrl"))).isEqualTo("WebhookDeadLetterQueue");
        List<Map<String, Object>> sends = statements(machine).stream().filter(s -> actions(s).contains("sqs:SendMessage")).toList();
        assertThat(sends).hasSize(1);
        assertThat(actions(sends.get(0))).containsExactly("sqs:SendMessage");
        assertThat(resources(sends.get(0))).containsExactly(Map.of("Fn::GetAtt", List.of("WebhookDeadLetterQueue", "Arn")));

        // In the definition: the webhook loop's gave_up and its step's failure both reach the queue.
        JsonNode states = definition().path("States");
        List<String> loops = new ArrayList<>();
        List<String> delivering = new ArrayList<>();
        states.fields().forEachRemaining(state -> {
            JsonNode choices = state.getValue().path("Choices");
            for (JsonNode choice : choices) {
                if (choice.path("Variable").asText().equals("$.webhookStatus") && choice.path("StringEquals").asText().equals("gave_up")) {
                    JsonNode send = states.path(choice.path("Next").asText());
                    assertThat(send.path("Resource").asText()).as(state.getKey()).isEqualTo("arn:aws:states:::sqs:sendMessage");
                    assertThat(send.path("Parameters").path("QueueUrl").asText()).isEqualTo("${WebhookDeadLetterQueueUrl}");
                    assertThat(send.path("Parameters").path("MessageBody.$").asText()).isEqualTo("$.webhookDeadLetter");
                    loops.add(state.getKey());
                }
            }
            if (state.getValue().path("Resource").asText().equals("${DeliverWebhookFunctionArn}")) {
                JsonNode caught = states.path(state.getValue().path("Catch").path(0).path("Next").asText());
                assertThat(caught.path("ResultPath").asText()).as(state.getKey()).isEqualTo("$.webhookDeadLetter");
                assertThat(states.path(caught.path("Next").asText()).path("Resource").asText()).isEqualTo("arn:aws:states:::sqs:sendMessage");
                delivering.add(state.getKey());
            }
        });
        assertThat(loops).containsExactly("IsWebhookDone");
        assertThat(delivering).containsExactly("DeliverWebhook");
    }

    /**
     * One webhook loop for every end: billing, RecordFailure and a webhook-only execution all lead into
     * DeliverWebhook; whatever the loop did (delivered, none, given up and dead-lettered), TaskOutcome then
     * ends the execution by {@code $.status} as the task ended, and by nothing else.
     */
    @Test
    void everyWebhookGoesThroughTheOneLoopAndTheExecutionEndsAsItsTaskEnded() throws IOException {
        JsonNode states = definition().path("States");
        List<String> intoTheLoop = new ArrayList<>();
        states.fields().forEachRemaining(state -> {
            if (state.getValue().path("Next").asText().equals("DeliverWebhook") && !state.getKey().equals("WaitBeforeWebhookRetry")) {
                intoTheLoop.add(state.getKey());
            }
        });
        assertThat(intoTheLoop).containsExactlyInAnyOrder("SettleBilling", "RecordFailure", "MarkCancelled");
        assertThat(states.path("WaitBeforeWebhookRetry").path("Next").asText()).isEqualTo("DeliverWebhook");
        assertThat(states.path("SettleBilling").path("Catch").path(0).path("Next").asText()).isEqualTo("RecordFailure");

        // A webhook-only execution: marked cancelled, straight into the loop.
        JsonNode only = states.path("IsWebhookOnly");
        assertThat(JSON.readTree(definitionText()).path("StartAt").asText()).isEqualTo("IsWebhookOnly");
        assertThat(only.path("Choices").path(0).path("Next").asText()).isEqualTo("MarkCancelled");
        assertThat(only.path("Default").asText()).isEqualTo("SubmitToProvider");
        JsonNode mark = states.path("MarkCancelled");
        assertThat(mark.path("Type").asText()).isEqualTo("Pass");
        assertThat(mark.path("Result").asText()).isEqualTo(WorkflowState.CANCELLED);
        assertThat(mark.path("ResultPath").asText()).isEqualTo("$.status");

        // Out of the loop, delivered or dead-lettered alike, through TaskOutcome.
        assertThat(states.path("IsWebhookDone").path("Default").asText()).isEqualTo("TaskOutcome");
        assertThat(states.path("DeadLetterWebhook").path("Next").asText()).isEqualTo("TaskOutcome");
        JsonNode outcome = states.path("TaskOutcome");
        assertThat(outcome.path("Type").asText()).isEqualTo("Choice");
        assertThat(outcome.has("Default")).as("an unknown status fails the execution: no Default").isFalse();
        Map<String, String> ends = new LinkedHashMap<>();
        for (JsonNode choice : outcome.path("Choices")) {
            assertThat(choice.path("Variable").asText()).isEqualTo("$.status");
            ends.put(choice.path("StringEquals").asText(), choice.path("Next").asText());
        }
        assertThat(ends).containsExactly(Map.entry(WorkflowState.COMPLETED, "VideoReady"),
                Map.entry(WorkflowState.FAILED, "GenerationFailed"), Map.entry(WorkflowState.CANCELLED, "TaskCancelled"));
        assertThat(states.path("VideoReady").path("Type").asText()).isEqualTo("Succeed");
        assertThat(states.path("TaskCancelled").path("Type").asText()).isEqualTo("Succeed");
        JsonNode failed = states.path("GenerationFailed");
        assertThat(failed.path("Type").asText()).isEqualTo("Fail");
        assertThat(failed.path("Error").asText()).isEqualTo("GenerationFailed");
        assertThat(failed.path("Cause").asText()).isEqualTo("The task ended failed; its reason is recorded on the task.");

        // The terminal states are reached from TaskOutcome only.
        states.fields().forEachRemaining(state -> {
            List<String> nexts = new ArrayList<>(state.getValue().findValuesAsText("Next"));
            nexts.add(state.getValue().path("Default").asText());
            if (!state.getKey().equals("TaskOutcome")) {
                assertThat(nexts).as(state.getKey()).doesNotContain("VideoReady", "GenerationFailed", "TaskCancelled");
            }
        });
    }

    private static String definitionText() throws IOException {
        return Files.readString(TemplateContractTest.REPO.resolve((String) machine.get("DefinitionUri")));
    }

    private static JsonNode definition() throws IOException {
        return JSON.readTree(definitionText());
    }

    /**
     * Every alarm watches resources of this template. The machine and each queue have one; every function's
     * Errors and Throttles are watched, in metric-math alarms whose expression is the busiest function's
     * count ({@code MAX(METRICS())}, so that a threshold still counts one function), each of one metric over
     * at most CloudWatch's 10 metrics, and each function in exactly one alarm per metric.
     */
    @Test
    void everyAlarmWatchesAResourceOfThisTemplateAndEveryFunctionQueueAndTheMachineIsWatched() {
        Map<String, Map<String, Object>> alarms = new LinkedHashMap<>(template.resourcesOfType("AWS::CloudWatch::Alarm"));
        // The business alarms watch Reelay's own metrics, not a resource: TemplateObservabilityContractTest holds them.
        alarms.keySet().removeAll(TemplateObservabilityContractTest.BUSINESS_ALARMS);
        List<String> watched = new ArrayList<>();
        alarms.forEach((id, alarm) -> {
            if (alarm.containsKey("Metrics")) {
                assertThat(alarm).as(id + ": a metric-math alarm names its metrics in Metrics only")
                        .doesNotContainKeys("MetricName", "Namespace", "Dimensions", "Statistic", "Period");
                List<Map<String, Object>> queries = list(alarm.get("Metrics")).stream().map(CloudFormationTemplate::map).toList();
                List<Map<String, Object>> returned = queries.stream().filter(q -> Boolean.TRUE.equals(q.get("ReturnData"))).toList();
                assertThat(returned).as(id + " watches one expression").hasSize(1);
                assertThat(returned.get(0).get("Expression")).as(id).isEqualTo("MAX(METRICS())");
                List<Map<String, Object>> stats = queries.stream().filter(q -> q.containsKey("MetricStat")).toList();
                assertThat(stats).as(id + ": CloudWatch takes at most 10 metrics in one alarm").hasSizeBetween(1, 10);
                assertThat(queries).as(id + ": the expression and its metrics, nothing else").hasSize(stats.size() + 1);
                Set<Object> names = new TreeSet<>();
                for (Map<String, Object> stat : stats) {
                    assertThat(stat.get("ReturnData")).as(id).isEqualTo(false);
                    Map<String, Object> metricStat = map(stat.get("MetricStat"));
                    assertThat(metricStat).as(id).containsEntry("Stat", "Sum").containsEntry("Period", 300);
                    Map<String, Object> metric = map(metricStat.get("Metric"));
                    assertThat(metric.get("Namespace")).as(id).isEqualTo("AWS/Lambda");
                    names.add(metric.get("MetricName"));
                    watched.add(metric.get("MetricName") + " " + target(id, list(metric.get("Dimensions"))));
                }
                assertThat(names).as(id + " watches one metric").hasSize(1);
                assertThat(alarm.get("Threshold")).as(id).isEqualTo(names.contains("Errors")
                        ? Map.of("Ref", "FunctionErrorsAlarmThreshold") : 1);
            } else {
                watched.add(alarm.get("MetricName") + " " + target(id, list(alarm.get("Dimensions"))));
            }
            assertThat(alarm.get("AlarmActions")).as(id).isEqualTo(Map.of("Fn::If",
                    List.of("HasAlarmEmail", List.of(Map.of("Ref", "AlarmTopic")), Map.of("Ref", "AWS::NoValue"))));
            assertThat(alarm.get("TreatMissingData")).as(id).isEqualTo("notBreaching");
        });
        List<String> expected = new ArrayList<>();
        for (String function : functions.keySet()) {
            expected.add("Errors " + function);
            expected.add("Throttles " + function);
        }
        expected.addAll(List.of("ExecutionsFailed VideoGenerationStateMachine", "ExecutionsFailed BatchStateMachine",
                "ApproximateNumberOfMessagesVisible UploadDeadLetterQueue", "ApproximateNumberOfMessagesVisible WebhookDeadLetterQueue"));
        assertThat(watched).as("every function's Errors and Throttles, the machine and the queues, each watched once")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(template.resources().get("AlarmTopic")).containsEntry("Condition", "HasAlarmEmail");
    }

    /** The one resource of this template a metric's dimensions name. */
    private static String target(String alarm, List<Object> dimensions) {
        assertThat(dimensions).as(alarm).hasSize(1);
        Object value = map(dimensions.get(0)).get("Value");
        String target = ref(value) != null ? ref(value) : (String) list(map(value).get("Fn::GetAtt")).get(0);
        assertThat(template.resources()).as(alarm + " watches " + target).containsKey(target);
        return target;
    }

    @Test
    void noPolicyGrantsAWildcardResourceButWhereAwsRequiresItAndNoneUsesACrudTemplate() {
        Map<String, Map<String, Object>> owners = new LinkedHashMap<>(functions);
        owners.put("VideoGenerationStateMachine", machine);
        owners.put("BatchStateMachine", batchMachine);
        owners.forEach((id, owner) -> {
            for (Map<String, Object> statement : statements(owner)) {
                if (resources(statement).contains("*")) {
                    assertThat(actions(statement)).as(id + " " + statement.get("Sid")).isSubsetOf(WILDCARD_ONLY_ACTIONS);
                }
                assertThat(actions(statement)).as(id).noneMatch(action -> action.endsWith(":*"));
            }
            for (Object policy : list(owner.get("Policies"))) {
                assertThat(map(policy)).as(id).doesNotContainKeys("DynamoDBCrudPolicy", "S3CrudPolicy", "S3ReadPolicy",
                        "S3WritePolicy", "LambdaInvokePolicy", "SQSSendMessagePolicy");
            }
        });
        // Vendor credentials only where a vendor is called.
        Set<String> readingSecrets = new TreeSet<>();
        functions.forEach((id, function) -> list(function.get("Policies")).forEach(policy -> {
            if (map(policy).containsKey("AWSSecretsManagerGetSecretValuePolicy")) {
                readingSecrets.add(id);
            }
        }));
        assertThat(readingSecrets).containsExactlyInAnyOrder("SubmitToProviderFunction", "AwaitProviderCallbackFunction",
                "CheckStatusFunction", "ProviderCallbackFunction", "CancelTaskFunction",
                // A batch's cancel cancels its tasks, each as CancelTaskFunction would, at its vendor.
                "BatchesFunction", "AdvanceBatchFunction");
    }

    /**
     * The functions that start or stop executions, and those whose queue asks whether a slot's
     * execution still runs (states:DescribeExecution), know the machine's ARN by its fixed name; no
     * other function does, and only the first may start executions.
     */
    @Test
    void theFunctionsThatStartOrStopExecutionsNameTheMachineByItsFixedName() {
        String name = (String) map(machine.get("Name")).get("Fn::Sub");
        String executions = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:" + name + ":*";
        Set<String> naming = new TreeSet<>();
        Set<String> starting = new TreeSet<>();
        Set<String> describing = new TreeSet<>();
        functions.forEach((id, function) -> {
            Object arn = map(map(function.get("Environment")).get("Variables")).get("STATE_MACHINE_ARN");
            if (arn != null) {
                naming.add(id);
                assertThat((String) map(arn).get("Fn::Sub")).as(id).endsWith(":stateMachine:" + name);
            }
            if (list(function.get("Policies")).contains(Map.of("StepFunctionsExecutionPolicy",
                    Map.of("StateMachineName", Map.of("Fn::Sub", name))))) {
                starting.add(id);
            }
            List<Object> described = statements(function).stream().filter(s -> actions(s).contains("states:DescribeExecution"))
                    .flatMap(s -> resources(s).stream()).toList();
            if (!described.isEmpty()) {
                describing.add(id);
                assertThat(described).as(id).containsExactly(Map.of("Fn::Sub", executions));
            }
        });
        // A batch's step submits its requests as SubmitVideoFunction does; both batch functions cancel tasks as CancelTaskFunction does.
        assertThat(starting).containsExactlyInAnyOrder("SubmitVideoFunction", "CancelTaskFunction", "S3UploadFunction",
                "BatchesFunction", "AdvanceBatchFunction");
        Set<String> needing = new TreeSet<>(starting);
        needing.addAll(describing);
        assertThat(naming).as("the functions that start executions or ask about them, and no other").isEqualTo(needing);
        assertThat(statements(functions.get("CancelTaskFunction")).stream().filter(s -> actions(s).contains("states:StopExecution"))
                .flatMap(s -> resources(s).stream()).map(r -> (String) map(r).get("Fn::Sub")).toList())
                .containsExactly("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:" + name + ":*");
    }

    /** The batch machine, too, is named by its fixed name, by exactly the functions that start batches. */
    @Test
    void theFunctionsThatStartBatchesNameTheBatchMachineByItsFixedName() {
        String name = (String) map(batchMachine.get("Name")).get("Fn::Sub");
        Set<String> naming = new TreeSet<>();
        Set<String> starting = new TreeSet<>();
        functions.forEach((id, function) -> {
            Object arn = map(map(function.get("Environment")).get("Variables")).get("BATCH_STATE_MACHINE_ARN");
            if (arn != null) {
                naming.add(id);
                assertThat((String) map(arn).get("Fn::Sub")).as(id).endsWith(":stateMachine:" + name);
            }
            if (list(function.get("Policies")).contains(Map.of("StepFunctionsExecutionPolicy",
                    Map.of("StateMachineName", Map.of("Fn::Sub", name))))) {
                starting.add(id);
            }
        });
        assertThat(starting).containsExactlyInAnyOrder("BatchesFunction", "S3BatchManifestFunction");
        assertThat(naming).isEqualTo(starting);
    }

    @Test
    void noResourceDependsOnItselfThroughOthers() {
        Map<String, Set<String>> graph = dependencies();
        Map<String, Integer> state = new LinkedHashMap<>();
        for (String id : graph.keySet()) {
            List<String> cycle = cycleFrom(id, graph, state, new ArrayList<>());
            assertThat(cycle).as("a circular dependency CloudFormation refuses to deploy").isEmpty();
        }
        // The references that used to close a loop are there, only not back again.
        assertThat(graph.get("ReelayHttpApi")).contains("SubmitVideoFunction", "AuthorizeApiKeyFunction");
        assertThat(graph.get("SubmitToProviderFunction")).contains("ReelayHttpApi");
        assertThat(graph.get("VideoGenerationStateMachine")).contains("SubmitToProviderFunction", "WebhookDeadLetterQueue");
        assertThat(graph.get("UploadsBucket")).contains("S3UploadFunction");
    }

    /**
     * Who depends on whom: every Ref, GetAtt and ${...} of Sub, SAM's {@code X.Alias} as X, the global
     * environment in every function, and what SAM makes of events - an HttpApi event puts its
     * function's integration into the API, an S3 event its notification into the bucket.
     */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> graph = new LinkedHashMap<>();
        template.resources().keySet().forEach(id -> graph.put(id, new TreeSet<>()));
        template.resources().forEach((id, resource) -> {
            Map<String, Object> properties = new LinkedHashMap<>(CloudFormationTemplate.properties(resource));
            Object events = properties.remove("Events");
            collect(properties, graph.get(id));
            if (functions.containsKey(id)) {
                collect(template.functionGlobals(), graph.get(id));
                map(events).values().forEach(event -> {
                    Map<String, Object> eventProperties = map(map(event).get("Properties"));
                    String target = ref("HttpApi".equals(map(event).get("Type")) ? eventProperties.get("ApiId") : eventProperties.get("Bucket"));
                    if (target != null) {
                        graph.get(target).add(id);
                    }
                });
            }
            collect(resource.get("DependsOn"), graph.get(id));
        });
        graph.forEach((id, to) -> to.remove(id));
        return graph;
    }

    private static void collect(Object value, Set<String> into) {
        if (value instanceof Map<?, ?> node) {
            if (node.get("Ref") instanceof String target) {
                add(target, into);
            } else if (node.get("Fn::GetAtt") instanceof List<?> getAtt) {
                add((String) getAtt.get(0), into);
            } else if (node.containsKey("Fn::Sub")) {
                Object sub = node.get("Fn::Sub");
                String format = sub instanceof String single ? single : (String) ((List<?>) sub).get(0);
                Matcher variable = Pattern.compile("\\$\\{([A-Za-z0-9]+)[.}]").matcher(format);
                while (variable.find()) {
                    add(variable.group(1), into);
                }
                if (sub instanceof List<?> withVariables) {
                    collect(withVariables.get(1), into);
                }
            } else {
                node.values().forEach(child -> collect(child, into));
            }
        } else if (value instanceof List<?> items) {
            items.forEach(item -> collect(item, into));
        } else if (value instanceof String dependsOn && template.resources().containsKey(dependsOn)) {
            into.add(dependsOn);
        }
    }

    private static void add(String target, Set<String> into) {
        String id = target.replaceAll("\\.(Alias|Version)$", "");
        if (template.resources().containsKey(id)) {
            into.add(id);
        }
    }

    /** A cycle through {@code id}, if any (0 = unvisited, 1 = on the path, 2 = done). */
    private static List<String> cycleFrom(String id, Map<String, Set<String>> graph, Map<String, Integer> state, List<String> path) {
        int seen = state.getOrDefault(id, 0);
        if (seen == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            return cycle;
        }
        if (seen == 2) {
            return List.of();
        }
        state.put(id, 1);
        path.add(id);
        for (String next : graph.get(id)) {
            List<String> cycle = cycleFrom(next, graph, state, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        state.put(id, 2);
        return List.of();
    }

    /** The text of one resource in template.yaml, from its id to the next resource. */
    private static String block(String id) {
        Matcher start = Pattern.compile("(?m)^  " + id + ":\\n").matcher(text);
        assertThat(start.find()).as(id).isTrue();
        Matcher next = Pattern.compile("(?m)^  \\S").matcher(text);
        return text.substring(start.start(), next.find(start.end()) ? next.start() : text.length());
    }

    private static Map<String, Object> properties(String id) {
        return CloudFormationTemplate.properties(template.resources().get(id));
    }

    /** "METHOD /path" of each HttpApi event, to its function. */
    private static Map<String, String> httpRoutes() {
        Map<String, String> routes = new LinkedHashMap<>();
        functions.forEach((id, function) -> map(function.get("Events")).values().forEach(event -> {
            if ("HttpApi".equals(map(event).get("Type"))) {
                Map<String, Object> properties = map(map(event).get("Properties"));
                routes.put(properties.get("Method") + " " + properties.get("Path"), id);
            }
        }));
        return routes;
    }

    /** The inline statements of a function's or the state machine's Policies (conditional ones included). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> statements(Map<String, Object> owner) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (Object policy : list(owner.get("Policies"))) {
            Object document = map(policy).containsKey("Fn::If") ? list(map(policy).get("Fn::If")).get(1) : policy;
            list(map(document).get("Statement")).forEach(statement -> found.add((Map<String, Object>) statement));
        }
        return found;
    }

    private static List<String> actions(Object statement) {
        Object action = map(statement).get("Action");
        return action instanceof String single ? List.of(single) : list(action).stream().map(String.class::cast).toList();
    }

    private static List<Object> resources(Map<String, Object> statement) {
        Object resource = statement.get("Resource");
        return resource instanceof List<?> many ? new ArrayList<>(many) : List.of(resource);
    }
}
