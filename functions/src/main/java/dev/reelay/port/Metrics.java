package dev.reelay.port;

import dev.reelay.domain.metrics.MetricEvent;

/**
 * Where business metrics go: CloudWatch, through the function's log, in AWS; a file per function
 * locally (docs/operations.md). Publishing never fails the work it measures.
 */
public interface Metrics {
    void emit(MetricEvent event);
}
