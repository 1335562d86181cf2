package dev.reelay.application;

import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.Metric.Dimension;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The metric events of a task's life that the use cases share, read off the task and its timeline
 * (docs/operations.md, "Metrics"). Each carries the task's id as a property, so one task's metrics
 * can be found among all of them.
 */
final class TaskMetrics {
    /** {@code provider_completed}'s detail when a vendor's callback told Reelay the job was done. */
    static final String VIA_CALLBACK = "callback";
    /** {@code provider_completed}'s detail when a status check found the job done. */
    static final String VIA_POLLING = "polled";

    private TaskMetrics() {
    }

    /** What a bill charged: dollars and seconds, by vendor. */
    static MetricEvent charged(Task task, Quote charge) {
        return MetricEvent.of(Metric.COST_USD, charge.costUsd().doubleValue())
                .value(Metric.BILLED_SECONDS, charge.billedSeconds())
                .dimension(Dimension.PROVIDER, task.provider())
                .property(TaskLog.TASK_ID, task.id()).build();
    }

    /**
     * A task just completed and billed at {@code billedAt} (the instant its {@code billed} event
     * carries): the count, the bill, its vendor's render time and the completion lag.
     */
    static List<MetricEvent> completed(Task task, Instant billedAt) {
        List<MetricEvent> events = new ArrayList<>();
        events.add(MetricEvent.of(Metric.TASKS_COMPLETED, 1)
                .dimension(Dimension.PROVIDER, task.provider())
                .dimension(Dimension.QUALITY, task.request().quality().wire())
                .property(TaskLog.TASK_ID, task.id()).build());
        events.add(charged(task, task.quote()));
        Optional<TimelineEvent> done = last(task, TimelineEvent.PROVIDER_COMPLETED);
        Optional<TimelineEvent> submitted = last(task, TimelineEvent.PROVIDER_SUBMITTED);
        if (done.isPresent() && submitted.isPresent()) {
            events.add(MetricEvent.of(Metric.RENDER_TIME, millis(submitted.get().at(), done.get().at()) / 1000.0)
                    .dimension(Dimension.PROVIDER, task.provider())
                    .property(TaskLog.TASK_ID, task.id()).build());
        }
        done.ifPresent(event -> events.add(MetricEvent.of(Metric.COMPLETION_LAG, millis(event.at(), billedAt))
                .dimension(Dimension.RESUMPTION, VIA_CALLBACK.equals(event.detail()) ? VIA_CALLBACK : VIA_POLLING)
                .property(TaskLog.TASK_ID, task.id()).build()));
        return events;
    }

    private static Optional<TimelineEvent> last(Task task, String event) {
        return task.timeline().stream().filter(e -> e.event().equals(event)).reduce((first, second) -> second);
    }

    private static long millis(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }
}
