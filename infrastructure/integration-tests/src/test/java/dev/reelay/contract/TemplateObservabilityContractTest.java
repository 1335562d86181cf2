package dev.reelay.contract;

import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.provider.ProviderTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.reelay.contract.CloudFormationTemplate.list;
import static dev.reelay.contract.CloudFormationTemplate.map;
import static dev.reelay.contract.CloudFormationTemplate.ref;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the template deploys to watch Reelay run, held against the metric catalog ({@link Metric}):
 * the business alarms, and the functions' log format and level. The alarms on resources (functions,
 * queues, the machine) are TemplateOperationsContractTest's.
 */
class TemplateObservabilityContractTest {
    /** The alarms on Reelay's own metrics (namespace {@value Metric#NAMESPACE}), each with a runbook line in docs/operations.md. */
    static final Set<String> BUSINESS_ALARMS = Set.of("VendorFailureRateAlarm", "CompletionLagAlarm", "WebhooksGivenUpAlarm");
    /** CloudWatch's hard limit of metrics in one alarm. */
    private static final int ALARM_METRICS = 10;
    static final Map<String, Metric> CATALOG = Arrays.stream(Metric.values())
            .collect(Collectors.toMap(Metric::metricName, Function.identity()));
    private static CloudFormationTemplate template;
    private static Map<String, Map<String, Object>> alarms;

    @BeforeAll
    static void load() throws IOException {
        template = CloudFormationTemplate.load(TemplateContractTest.REPO.resolve("template.yaml"));
        alarms = template.resourcesOfType("AWS::CloudWatch::Alarm");
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
     * Every function logs JSON lines into the one log group, at the level of the LogLevel parameter
     * (Lambda filters by it, and passes it to Log4j), and Log4j writes JSON lines too.
     */
    @Test
    void theFunctionsLogJsonAtTheLogLevelParameterIntoTheSharedGroup() {
        Map<String, Object> logging = map(template.functionGlobals().get("LoggingConfig"));
        assertThat(logging.get("LogFormat")).isEqualTo("JSON");
        assertThat(ref(logging.get("ApplicationLogLevel"))).isEqualTo("LogLevel");
        assertThat(logging.get("SystemLogLevel")).as("platform.report stays: memory and restore time").isEqualTo("INFO");
        assertThat(ref(logging.get("LogGroup"))).isEqualTo("FunctionsLogGroup");
        Map<String, Object> level = parameter("LogLevel");
        assertThat(list(level.get("AllowedValues"))).containsExactly("DEBUG", "INFO", "WARN", "ERROR");
        assertThat(level.get("Default")).isEqualTo("INFO");
        assertThat(map(map(template.functionGlobals().get("Environment")).get("Variables")))
                .containsEntry("REELAY_LOG_FORMAT", "json");
        template.resourcesOfType("AWS::Serverless::Function").forEach((id, function) ->
                assertThat(function).as(id + " logs as every function").doesNotContainKey("LoggingConfig"));
    }

    static Map<String, Object> parameter(String name) {
        Map<String, Object> parameter = map(map(template.root().get("Parameters")).get(name));
        assertThat(parameter).as("parameter " + name).isNotEmpty();
        return parameter;
    }
}
