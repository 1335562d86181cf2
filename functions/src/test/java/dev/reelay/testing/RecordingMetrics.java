package dev.reelay.testing;

import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.port.Metrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The metrics port in memory: every event, in order, for a test to read. */
public final class RecordingMetrics implements Metrics {
    private final List<MetricEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void emit(MetricEvent event) {
        events.add(event);
    }

    public List<MetricEvent> events() {
        return List.copyOf(events);
    }

    /** The events that carry this metric. */
    public List<MetricEvent> of(Metric metric) {
        return events.stream().filter(e -> e.values().containsKey(metric)).toList();
    }

    /** The sum of one metric over all events. */
    public double sum(Metric metric) {
        return of(metric).stream().mapToDouble(e -> e.value(metric)).sum();
    }
}
