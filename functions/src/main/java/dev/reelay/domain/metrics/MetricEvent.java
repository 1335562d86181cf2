package dev.reelay.domain.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Metrics that happened together, with the dimensions they share and properties that are kept with
 * them but are not dimensions (a task's id, for one): one EMF document when published.
 */
public record MetricEvent(Map<String, String> dimensions, Map<Metric, Double> values, Map<String, String> properties) {

    public MetricEvent {
        dimensions = Map.copyOf(dimensions);
        values = Map.copyOf(values);
        properties = Map.copyOf(properties);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("A metric event needs at least one value");
        }
        for (Metric metric : values.keySet()) {
            if (!dimensions.keySet().equals(new java.util.HashSet<>(metric.dimensions()))) {
                throw new IllegalArgumentException(metric.metricName() + " takes dimensions " + metric.dimensions()
                        + ", not " + dimensions.keySet());
            }
        }
    }

    public static Builder of(Metric metric, double value) {
        return new Builder().value(metric, value);
    }

    /** Builds an event; a null dimension value becomes {@code none}, so a metric never loses its series. */
    public static final class Builder {
        private final Map<String, String> dimensions = new LinkedHashMap<>();
        private final Map<Metric, Double> values = new LinkedHashMap<>();
        private final Map<String, String> properties = new LinkedHashMap<>();

        public Builder value(Metric metric, double value) {
            values.put(metric, value);
            return this;
        }

        public Builder dimension(String name, String value) {
            dimensions.put(name, value == null || value.isBlank() ? "none" : value);
            return this;
        }

        public Builder property(String name, String value) {
            if (value != null) {
                properties.put(name, value);
            }
            return this;
        }

        public MetricEvent build() {
            return new MetricEvent(dimensions, values, properties);
        }
    }

    public double value(Metric metric) {
        return Objects.requireNonNull(values.get(metric), metric.metricName());
    }
}
