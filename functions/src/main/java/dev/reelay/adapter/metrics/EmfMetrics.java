package dev.reelay.adapter.metrics;

import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.port.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Publishes each {@link MetricEvent} as one CloudWatch Embedded Metric Format document, written
 * with AWS's aws-embedded-metrics library (docs/operations.md, "Metrics", says why that library):
 * in Lambda to stdout, where CloudWatch Logs extracts the metrics; locally to
 * {@code <dir>/<function>.jsonl}, one document per line, exactly what CloudWatch would ingest.
 * <p>
 * Each event is published with its own dimensions and again with none, so that every metric has a
 * total. A metric that cannot be published is logged and dropped: measuring never fails the work.
 */
public final class EmfMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(EmfMetrics.class);

    private final Environment environment;

    EmfMetrics(Environment environment) {
        this.environment = environment;
    }

    /** In AWS Lambda: documents go to stdout, in the function's log group. */
    public static EmfMetrics lambda() {
        return new EmfMetrics(new LambdaEnvironment());
    }

    /**
     * Locally: documents are appended to {@code directory/<function>.jsonl}.
     *
     * @param function the function of the running invocation (the local stack runs all of them in one JVM)
     */
    public static EmfMetrics toFiles(Path directory, Supplier<String> function) {
        return new EmfMetrics(new JsonLinesEnvironment(directory, function));
    }

    @Override
    public void emit(MetricEvent event) {
        try {
            MetricsLogger logger = new MetricsLogger(environment);
            logger.setNamespace(Metric.NAMESPACE);
            DimensionSet dimensions = new DimensionSet();
            for (Map.Entry<String, String> dimension : event.dimensions().entrySet()) {
                dimensions.addDimension(dimension.getKey(), dimension.getValue());
            }
            if (event.dimensions().isEmpty()) {
                logger.setDimensions(dimensions);
            } else {
                logger.setDimensions(dimensions, new DimensionSet());
            }
            for (Map.Entry<Metric, Double> value : event.values().entrySet()) {
                logger.putMetric(value.getKey().metricName(), value.getValue(), Unit.fromValue(value.getKey().unit().cloudWatchName()));
            }
            event.properties().forEach(logger::putProperty);
            logger.flush();
        } catch (RuntimeException e) {
            LOG.warn("Could not publish metrics {} with {}: {}", event.values().keySet(), event.dimensions(), e.toString(), e);
        }
    }
}
