package dev.reelay.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.TaskLog;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.provider.ProviderTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.reelay.contract.CloudFormationTemplate.list;
import static dev.reelay.contract.CloudFormationTemplate.map;
import static dev.reelay.contract.CloudFormationTemplate.ref;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the template deploys to watch Reelay run, held against the metric catalog ({@link Metric}):
 * the dashboard, the business alarms, and the functions' log format and level. The alarms on
 * resources (functions, queues, the machine) are TemplateOperationsContractTest's.
 */
class TemplateObservabilityContractTest {
    /** The alarms on Reelay's own metrics (namespace {@value Metric#NAMESPACE}), each with a runbook line in docs/operations.md. */
    static final Set<String> BUSINESS_ALARMS = Set.of("VendorFailureRateAlarm", "CompletionLagAlarm", "WebhooksGivenUpAlarm");
    /** CloudWatch's hard limit of metrics in one alarm. */
    private static final int ALARM_METRICS = 10;
    static final Map<String, Metric> CATALOG = Arrays.stream(Metric.values())
            .collect(Collectors.toMap(Metric::metricName, Function.identity()));
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A SEARCH of Reelay's metrics: its schema's dimensions and the exact metric name. */
    private static final Pattern REELAY_SEARCH = Pattern.compile("SEARCH\\('\\{" + Metric.NAMESPACE + "((?:,\\w+)*)\\} MetricName=\"(\\w+)\"'");
    /** A ${...} of Fn::Sub that names something (${!...} is a literal). */
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{(?!!)([^}]+)}");
    private static CloudFormationTemplate template;
    private static Map<String, Map<String, Object>> alarms;
    private static String dashboardSource;
    private static JsonNode dashboard;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(TemplateContractTest.REPO.resolve("template.yaml"));
        alarms = template.resourcesOfType("AWS::CloudWatch::Alarm");
        Map<String, Map<String, Object>> dashboards = template.resourcesOfType("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).as("one dashboard").containsOnlyKeys("Dashboard");
        Map<String, Object> properties = dashboards.get("Dashboard");
        assertThat((String) map(properties.get("DashboardName")).get("Fn::Sub")).as("a name per stage and region")
                .contains("${Stage}").contains("${AWS::Region}");
        dashboardSource = (String) map(properties.get("DashboardBody")).get("Fn::Sub");
        assertThat(dashboardSource).as("DashboardBody is !Sub of a JSON string").isNotNull();
        dashboard = JSON.readTree(substitute(dashboardSource));
    }

    /**
     * The body as CloudFormation would render it, for parsing: every ${X} names a parameter, a resource
     * (or its attribute) or a pseudo parameter; a Number parameter becomes its default (it stands outside
     * a string), anything else a marker {@code <X>}; ${!...} becomes the literal ${...}.
     */
    private static String substitute(String source) {
        Map<String, Object> parameters = map(template.root().get("Parameters"));
        Matcher variable = SUB_VARIABLE.matcher(source);
        StringBuilder out = new StringBuilder();
        while (variable.find()) {
            String name = variable.group(1);
            String resource = name.split("\\.")[0];
            assertThat(name.startsWith("AWS::") || parameters.containsKey(name) || template.resources().containsKey(resource))
                    .as("${" + name + "} names a parameter, a resource or a pseudo parameter").isTrue();
            Map<String, Object> parameter = map(parameters.get(name));
            String value = "Number".equals(parameter.get("Type")) ? String.valueOf(parameter.get("Default")) : "<" + name + ">";
            variable.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        variable.appendTail(out);
        return out.toString().replace("${!", "${");
    }

    private static List<JsonNode> widgets(String type) {
        List<JsonNode> found = new ArrayList<>();
        dashboard.path("widgets").forEach(widget -> {
            if (type.equals(widget.path("type").asText())) {
                found.add(widget);
            }
        });
        return found;
    }

    /** Every line of every metric widget: an explicit metric (an array of strings, options last) or an expression. */
    private static List<JsonNode> lines() {
        List<JsonNode> lines = new ArrayList<>();
        widgets("metric").forEach(widget -> widget.path("properties").path("metrics").forEach(lines::add));
        return lines;
    }

    private static List<String> expressions() {
        return lines().stream().filter(line -> line.path(0).isObject()).map(line -> line.path(0).path("expression").asText()).toList();
    }

    /** An explicit metric line: namespace, name, then dimension name and value pairs. */
    private static List<String> strings(JsonNode line) {
        List<String> strings = new ArrayList<>();
        line.forEach(item -> {
            if (item.isTextual()) {
                strings.add(item.asText());
            }
        });
        return strings;
    }

    /** The widgets lie on CloudWatch's 24-column grid without overlapping; every metric widget is in the stack's region. */
    @Test
    void theDashboardIsValidJsonOnTheGridInTheStacksRegion() {
        assertThat(dashboard.path("widgets").size()).isGreaterThan(10);
        Set<String> cells = new TreeSet<>();
        dashboard.path("widgets").forEach(widget -> {
            String title = widget.path("properties").path("title").asText(widget.path("type").asText());
            assertThat(widget.path("type").asText()).as(title).isIn("metric", "text", "alarm");
            int x = widget.path("x").asInt(-1);
            int y = widget.path("y").asInt(-1);
            int width = widget.path("width").asInt();
            int height = widget.path("height").asInt();
            assertThat(x).as(title).isNotNegative();
            assertThat(y).as(title).isNotNegative();
            assertThat(width).as(title).isPositive();
            assertThat(height).as(title).isPositive();
            assertThat(x + width).as(title + " fits the 24 columns").isLessThanOrEqualTo(24);
            for (int i = x; i < x + width; i++) {
                for (int j = y; j < y + height; j++) {
                    assertThat(cells.add(i + "," + j)).as(title + " overlaps another widget at " + i + "," + j).isTrue();
                }
            }
            if (widget.path("type").asText().equals("metric")) {
                assertThat(widget.path("properties").path("region").asText()).as(title).isEqualTo("<AWS::Region>");
                assertThat(widget.path("properties").path("metrics").size()).as(title).isPositive();
            }
        });
        for (JsonNode line : lines()) {
            if (!line.path(0).isObject()) {
                assertThat(strings(line)).as("no \".\" shorthand: every line names its metric").doesNotContain(".");
                assertThat(strings(line).size() % 2).as(line + ": namespace, name, then name and value pairs").isZero();
            }
        }
    }

    /**
     * Every Reelay metric the dashboard names is a metric of the catalog, with the dimensions it is
     * published with (its own, or none for the total; a SEARCH's schema is exactly its own), and every
     * metric of the catalog is on the dashboard.
     */
    @Test
    void theDashboardShowsEveryCatalogMetricAndNoOther() {
        Set<String> shown = new TreeSet<>();
        for (JsonNode line : lines()) {
            if (line.path(0).isObject()) {
                continue;
            }
            List<String> strings = strings(line);
            if (!strings.get(0).equals(Metric.NAMESPACE)) {
                continue;
            }
            String name = strings.get(1);
            assertThat(CATALOG).as(name + " is a metric of the catalog").containsKey(name);
            Set<String> dimensions = new TreeSet<>();
            for (int i = 2; i < strings.size(); i += 2) {
                dimensions.add(strings.get(i));
            }
            assertThat(dimensions.isEmpty() || dimensions.equals(new TreeSet<>(CATALOG.get(name).dimensions())))
                    .as(name + " is published with " + CATALOG.get(name).dimensions() + " or none, not " + dimensions).isTrue();
            shown.add(name);
        }
        for (String expression : expressions()) {
            if (!expression.contains("{" + Metric.NAMESPACE)) {
                continue;
            }
            Matcher search = REELAY_SEARCH.matcher(expression);
            assertThat(search.find()).as(expression + ": a SEARCH of one exact metric name").isTrue();
            String name = search.group(2);
            assertThat(CATALOG).as(name + " is a metric of the catalog").containsKey(name);
            Set<String> schema = new TreeSet<>(Arrays.asList(search.group(1).replaceFirst("^,", "").split(",")));
            schema.remove("");
            assertThat(schema).as(expression + ": the schema is the dimensions " + name + " is published with")
                    .isEqualTo(new TreeSet<>(CATALOG.get(name).dimensions()));
            shown.add(name);
        }
        assertThat(shown).as("every metric of the catalog is on the dashboard").isEqualTo(new TreeSet<>(CATALOG.keySet()));
    }

    /** Lambda's Errors, Throttles, Duration and ConcurrentExecutions of this stack's functions, by function. */
    @Test
    void theDashboardShowsTheStacksFunctions() {
        for (String metric : List.of("Errors", "Throttles", "Duration", "ConcurrentExecutions")) {
            assertThat(expressions()).as(metric + " of every function of the stack")
                    .anySatisfy(e -> assertThat(e).startsWith("SEARCH('{AWS/Lambda,FunctionName} MetricName=\"" + metric
                            + "\" FunctionName=<AWS::StackName>'"));
        }
    }

    /** The workflow's executions (started, failed, timed out) and their time, and the HTTP API's answers. */
    @Test
    void theDashboardShowsTheWorkflowAndTheApi() {
        Set<String> machine = new TreeSet<>();
        Set<String> api = new TreeSet<>();
        for (JsonNode line : lines()) {
            List<String> strings = strings(line);
            if (strings.size() == 4 && strings.get(0).equals("AWS/States")) {
                assertThat(strings.subList(2, 4)).containsExactly("StateMachineArn", "<VideoGenerationStateMachine>");
                machine.add(strings.get(1));
            }
            if (strings.size() == 4 && strings.get(0).equals("AWS/ApiGateway")) {
                assertThat(strings.subList(2, 4)).containsExactly("ApiId", "<ReelayHttpApi>");
                api.add(strings.get(1));
            }
        }
        assertThat(machine).contains("ExecutionsStarted", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionTime");
        assertThat(api).contains("Count", "4xx", "5xx", "Latency");
    }

    /** The alarm widget shows every alarm of the template, and nothing else. */
    @Test
    void theDashboardShowsEveryAlarm() {
        List<JsonNode> widgets = widgets("alarm");
        assertThat(widgets).hasSize(1);
        Set<String> shown = new TreeSet<>();
        widgets.get(0).path("properties").path("alarms").forEach(arn -> shown.add(arn.asText()));
        assertThat(shown).isEqualTo(alarms.keySet().stream().map(id -> "<" + id + ".Arn>").collect(Collectors.toCollection(TreeSet::new)));
    }

    /** The stack's outputs name the dashboard and link to it in the console of the stack's region. */
    @Test
    void theOutputsLeadToTheDashboard() {
        Map<String, Object> outputs = map(template.root().get("Outputs"));
        assertThat(ref(map(outputs.get("DashboardName")).get("Value"))).isEqualTo("Dashboard");
        assertThat((String) map(map(outputs.get("DashboardUrl")).get("Value")).get("Fn::Sub")).isEqualTo(
                "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${Dashboard}");
    }

    /** One metric an alarm reads: its namespace, name and dimensions (name to value). */
    record AlarmMetric(String id, Object namespace, Object name, Map<Object, Object> dimensions, Object stat, Object period) {
    }

    /** The metrics an alarm reads, whether it watches one metric or an expression over several. */
    static List<AlarmMetric> metricsOf(Map<String, Object> alarm) {
        List<AlarmMetric> metrics = new ArrayList<>();
        if (alarm.containsKey("Metrics")) {
            for (Object query : list(alarm.get("Metrics"))) {
                Map<String, Object> stat = map(map(query).get("MetricStat"));
                if (!stat.isEmpty()) {
                    Map<String, Object> metric = map(stat.get("Metric"));
                    metrics.add(new AlarmMetric((String) map(query).get("Id"), metric.get("Namespace"), metric.get("MetricName"),
                            dimensions(metric.get("Dimensions")), stat.get("Stat"), stat.get("Period")));
                }
            }
        } else {
            Object stat = alarm.containsKey("ExtendedStatistic") ? alarm.get("ExtendedStatistic") : alarm.get("Statistic");
            metrics.add(new AlarmMetric(null, alarm.get("Namespace"), alarm.get("MetricName"), dimensions(alarm.get("Dimensions")),
                    stat, alarm.get("Period")));
        }
        return metrics;
    }

    private static Map<Object, Object> dimensions(Object dimensions) {
        Map<Object, Object> found = new LinkedHashMap<>();
        list(dimensions).forEach(d -> found.put(map(d).get("Name"), map(d).get("Value")));
        return found;
    }

    /**
     * The business alarms are exactly the alarms that read Reelay's metrics, and read nothing else; each
     * reads at most CloudWatch's 10 metrics, only metrics of the catalog, with the dimensions they are
     * published with (their own, or none for the total); each notifies as the other alarms do and treats
     * no data (no traffic) as fine.
     */
    @Test
    void theBusinessAlarmsReadOnlyCatalogMetricsAsTheyArePublished() {
        Set<String> readingReelay = new TreeSet<>();
        alarms.forEach((id, alarm) -> {
            if (metricsOf(alarm).stream().anyMatch(m -> Metric.NAMESPACE.equals(m.namespace()))) {
                readingReelay.add(id);
            }
        });
        assertThat(readingReelay).as("the alarms on Reelay's metrics").isEqualTo(new TreeSet<>(BUSINESS_ALARMS));
        for (String id : BUSINESS_ALARMS) {
            Map<String, Object> alarm = alarms.get(id);
            List<AlarmMetric> metrics = metricsOf(alarm);
            assertThat(metrics).as(id + ": CloudWatch takes at most 10 metrics in one alarm").hasSizeBetween(1, ALARM_METRICS);
            assertThat(list(alarm.get("Metrics")).size()).as(id + ": its queries, expressions included").isLessThanOrEqualTo(ALARM_METRICS);
            for (AlarmMetric metric : metrics) {
                assertThat(metric.namespace()).as(id).isEqualTo(Metric.NAMESPACE);
                assertThat(CATALOG).as(id + " reads " + metric.name() + ", a metric of the catalog").containsKey((String) metric.name());
                Set<Object> dimensions = new TreeSet<>(metric.dimensions().keySet());
                assertThat(dimensions.isEmpty() || dimensions.equals(new TreeSet<Object>(CATALOG.get((String) metric.name()).dimensions())))
                        .as(id + ": " + metric.name() + " is published with its own dimensions, or none, not " + dimensions).isTrue();
            }
            for (Object query : list(alarm.get("Metrics"))) {
                Object expression = map(query).get("Expression");
                assertThat(expression == null ? "" : expression.toString()).as(id + ": alarms cannot use SEARCH").doesNotContain("SEARCH");
            }
            assertThat(alarm.get("TreatMissingData")).as(id + ": no traffic publishes nothing").isEqualTo("notBreaching");
            assertThat(alarm.get("AlarmActions")).as(id + " notifies as every alarm").isEqualTo(Map.of("Fn::If",
                    List.of("HasAlarmEmail", List.of(Map.of("Ref", "AlarmTopic")), Map.of("Ref", "AWS::NoValue"))));
            assertThat(String.valueOf(alarm.get("AlarmDescription"))).as(id + " points at its runbook").contains("docs/operations.md");
        }
    }

    /**
     * The worst vendor's share of outcomes that went wrong: for every vendor Reelay knows, its
     * VendorErrors over its VendorErrors plus VendorJobsSubmitted, counted only from a minimum volume,
     * in one expression over two metrics per vendor.
     */
    @Test
    void theVendorFailureRateAlarmWatchesEveryKnownVendorAboveAMinimumVolume() {
        Map<String, Object> alarm = alarms.get("VendorFailureRateAlarm");
        List<AlarmMetric> metrics = metricsOf(alarm);
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, String> jobs = new LinkedHashMap<>();
        Object period = metrics.get(0).period();
        for (AlarmMetric metric : metrics) {
            assertThat(metric.stat()).as(metric.id()).isEqualTo("Sum");
            assertThat(metric.period()).as(metric.id() + ": one period for all").isEqualTo(period);
            assertThat(metric.dimensions().keySet()).as(metric.id()).containsExactly(Metric.Dimension.PROVIDER);
            String provider = (String) metric.dimensions().get(Metric.Dimension.PROVIDER);
            Map<String, String> into = Metric.VENDOR_ERRORS.metricName().equals(metric.name()) ? errors
                    : Metric.VENDOR_JOBS_SUBMITTED.metricName().equals(metric.name()) ? jobs : null;
            assertThat(into).as(metric.id() + " reads VendorErrors or VendorJobsSubmitted").isNotNull();
            assertThat(into.put(provider, metric.id())).as(metric.id() + ": once per vendor").isNull();
        }
        assertThat(errors.keySet()).as("every vendor Reelay knows").containsExactlyInAnyOrderElementsOf(ProviderTable.KNOWN);
        assertThat(jobs.keySet()).as("every vendor Reelay knows").containsExactlyInAnyOrderElementsOf(ProviderTable.KNOWN);

        List<Map<String, Object>> returned = list(alarm.get("Metrics")).stream().map(CloudFormationTemplate::map)
                .filter(q -> Boolean.TRUE.equals(q.get("ReturnData"))).toList();
        assertThat(returned).as("the alarm watches one expression").hasSize(1);
        String expression = (String) map(returned.get(0).get("Expression")).get("Fn::Sub");
        assertThat(expression).as("the worst vendor").startsWith("MAX([").endsWith("])");
        for (String provider : ProviderTable.KNOWN) {
            String e = errors.get(provider);
            String j = jobs.get(provider);
            assertThat(expression).as(provider + "'s rate, 0 below the minimum volume").contains("IF((" + e + " + " + j
                    + ") >= ${VendorFailureAlarmMinimumVolume}, " + e + " / (" + e + " + " + j + "), 0)");
        }
        assertThat(expression.split("IF\\(", -1)).as("one rate per vendor, no other").hasSize(ProviderTable.KNOWN.size() + 1);
        assertThat(ref(alarm.get("Threshold"))).isEqualTo("VendorFailureRateAlarmThreshold");
        assertThat(alarm.get("ComparisonOperator")).isEqualTo("GreaterThanThreshold");
        Map<String, Object> threshold = parameter("VendorFailureRateAlarmThreshold");
        assertThat(threshold.get("Default")).isEqualTo(0.2);
        assertThat(threshold.get("MaxValue")).as("a share").isEqualTo(1);
        assertThat((Integer) parameter("VendorFailureAlarmMinimumVolume").get("MinValue")).as("no division by zero").isPositive();
    }

    /** The p90 of every task's completion lag (the dimensionless total), over several periods in a row. */
    @Test
    void theCompletionLagAlarmWatchesTheP90OfAllTasksForSeveralPeriods() {
        Map<String, Object> alarm = alarms.get("CompletionLagAlarm");
        assertThat(alarm.get("MetricName")).isEqualTo(Metric.COMPLETION_LAG.metricName());
        assertThat(alarm).doesNotContainKeys("Dimensions", "Statistic", "Unit");
        assertThat(alarm.get("ExtendedStatistic")).isEqualTo("p90");
        assertThat(ref(alarm.get("EvaluationPeriods"))).isEqualTo("CompletionLagAlarmPeriods");
        assertThat(ref(alarm.get("DatapointsToAlarm"))).isEqualTo("CompletionLagAlarmPeriods");
        assertThat(ref(alarm.get("Threshold"))).as("in the metric's unit").isEqualTo("CompletionLagAlarmThresholdMs");
        assertThat(Metric.COMPLETION_LAG.unit().cloudWatchName()).isEqualTo("Milliseconds");
        assertThat(alarm.get("ComparisonOperator")).isEqualTo("GreaterThanThreshold");
    }

    @Test
    void theWebhooksGivenUpAlarmFiresOnTheFirst() {
        Map<String, Object> alarm = alarms.get("WebhooksGivenUpAlarm");
        assertThat(alarm.get("MetricName")).isEqualTo(Metric.WEBHOOKS_GIVEN_UP.metricName());
        assertThat(alarm).doesNotContainKey("Dimensions");
        assertThat(alarm.get("Statistic")).isEqualTo("Sum");
        assertThat(alarm.get("Threshold")).isEqualTo(1);
        assertThat(alarm.get("ComparisonOperator")).isEqualTo("GreaterThanOrEqualToThreshold");
    }

    /**
     * Every function logs JSON lines into the one log group, at the level of the LogLevel parameter, which
     * Log4j applies (REELAY_LOG_LEVEL): Lambda's own filter stays open, or it would drop the metrics documents.
     */
    @Test
    void theFunctionsLogJsonAtTheLogLevelParameterIntoTheSharedGroup() {
        Map<String, Object> logging = map(template.functionGlobals().get("LoggingConfig"));
        assertThat(logging.get("LogFormat")).isEqualTo("JSON");
        assertThat(logging.get("ApplicationLogLevel")).as("Lambda drops nothing; EMF lines have no level").isEqualTo("TRACE");
        assertThat(logging.get("SystemLogLevel")).as("platform.report stays: memory and restore time").isEqualTo("INFO");
        assertThat(ref(logging.get("LogGroup"))).isEqualTo("FunctionsLogGroup");
        Map<String, Object> level = parameter("LogLevel");
        assertThat(list(level.get("AllowedValues"))).containsExactly("DEBUG", "INFO", "WARN", "ERROR");
        assertThat(level.get("Default")).isEqualTo("INFO");
        assertThat(map(map(template.functionGlobals().get("Environment")).get("Variables")))
                .containsEntry("REELAY_LOG_FORMAT", "json");
        assertThat(ref(map(map(template.functionGlobals().get("Environment")).get("Variables")).get("REELAY_LOG_LEVEL")))
                .isEqualTo("LogLevel");
        template.resourcesOfType("AWS::Serverless::Function").forEach((id, function) ->
                assertThat(function).as(id + " logs as every function").doesNotContainKey("LoggingConfig"));
    }

    /** docs/operations.md, from a heading to the next heading of the same level. */
    private static String operations(String heading) throws IOException {
        String page = Files.readString(TemplateContractTest.REPO.resolve("docs/operations.md"));
        int start = page.indexOf("\n## " + heading + "\n");
        assertThat(start).as("docs/operations.md has a section \"" + heading + "\"").isNotNegative();
        int end = page.indexOf("\n## ", start + 1);
        return page.substring(start, end < 0 ? page.length() : end);
    }

    /** The metrics table of docs/operations.md names every metric of the catalog with its unit and dimensions, and no other. */
    @Test
    void theOperationsPageDescribesEveryMetricWithItsUnitAndDimensions() throws IOException {
        String metrics = operations("Metrics");
        for (Metric metric : Metric.values()) {
            String dimensions = metric.dimensions().isEmpty() ? "none"
                    : metric.dimensions().stream().map(d -> "`" + d + "`").collect(Collectors.joining(", "));
            assertThat(metrics).as(metric.metricName() + " in docs/operations.md's table, with its unit and dimensions")
                    .contains("\n| `" + metric.metricName() + "` | " + metric.unit().cloudWatchName() + " | " + dimensions + " | ");
        }
        Matcher row = Pattern.compile("\n\\| `(\\w+)` \\| ").matcher(metrics);
        Set<String> rows = new TreeSet<>();
        while (row.find()) {
            rows.add(row.group(1));
        }
        assertThat(rows).as("the table's metrics are the catalog's").isEqualTo(new TreeSet<>(CATALOG.keySet()));
    }

    /** docs/operations.md describes every widget of the dashboard, by its title, and every alarm of the template. */
    @Test
    void theOperationsPageDescribesEveryWidgetAndEveryAlarm() throws IOException {
        String widgets = operations("The dashboard");
        dashboard.path("widgets").forEach(widget -> {
            if (widget.path("properties").has("title")) {
                String title = widget.path("properties").path("title").asText();
                assertThat(widgets).as("the widget \"" + title + "\" in docs/operations.md").contains("\n| " + title + " | ");
            }
        });
        String runbook = operations("Alarms");
        for (String alarm : alarms.keySet()) {
            assertThat(runbook).as(alarm + " has a runbook line in docs/operations.md").containsPattern("\n\\| `" + alarm + "` \\| \\S.* \\| \\S");
        }
    }

    /** docs/operations.md's log format names every field of a line and of the task's context, and queries the functions' log group. */
    @Test
    void theOperationsPageDescribesTheLogLinesAndTheQueryOfOneTask() throws IOException {
        String logs = operations("Logs");
        for (String field : List.of("timestamp", "level", "logger", "message", TaskLog.TASK_ID, TaskLog.KEY_NAME, TaskLog.PROVIDER,
                TaskLog.STEP, TaskLog.FUNCTION, TaskLog.REQUEST_ID)) {
            assertThat(logs).as(field + " in docs/operations.md's log format").contains("\n| `" + field + "` | ");
        }
        String group = (String) map(CloudFormationTemplate.properties(template.resources().get("FunctionsLogGroup"))
                .get("LogGroupName")).get("Fn::Sub");
        String story = operations("One task's whole story");
        assertThat(story).as("the query runs on the functions' log group").contains(group.replace("${Stage}", "<stage>"))
                .contains("| filter taskId = \"task-").contains("| sort @timestamp asc");
    }

    static Map<String, Object> parameter(String name) {
        Map<String, Object> parameter = map(map(template.root().get("Parameters")).get(name));
        assertThat(parameter).as("parameter " + name).isNotEmpty();
        return parameter;
    }
}
