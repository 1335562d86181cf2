package dev.reelay.domain.metrics;

import java.util.List;

/**
 * Every business metric Reelay publishes, in namespace {@value #NAMESPACE}: its CloudWatch name, its unit,
 * the dimensions it carries and what it means. This is the catalog docs/operations.md and the
 * dashboard in template.yaml follow (the contract tests check both against it).
 * <p>
 * Dimensions are few on purpose: each combination of values is a metric CloudWatch bills for. Every
 * metric is also published without dimensions, so a total needs no search expression.
 */
public enum Metric {
    TASKS_ACCEPTED("TasksAccepted", MetricUnit.COUNT, List.of(Dimension.QUALITY),
            "A task was accepted (API or upload): validated, priced, budget reserved, workflow started."),
    TASKS_REFUSED("TasksRefused", MetricUnit.COUNT, List.of(Dimension.CODE),
            "A submission was refused with a 4xx before any vendor saw it; Code is the error code."),
    TASKS_COMPLETED("TasksCompleted", MetricUnit.COUNT, List.of(Dimension.PROVIDER, Dimension.QUALITY),
            "A task completed: its video is archived and it is billed."),
    TASKS_FAILED("TasksFailed", MetricUnit.COUNT, List.of(Dimension.CODE),
            "A task ended failed, at no charge; Code is its error code."),
    TASKS_CANCELLED("TasksCancelled", MetricUnit.COUNT, List.of(),
            "Its owner cancelled a task."),
    COST_USD("CostUsd", MetricUnit.NONE, List.of(Dimension.PROVIDER),
            "US dollars charged for a task, when it is billed (completed, or cancelled where the vendor bills)."),
    BILLED_SECONDS("BilledSeconds", MetricUnit.SECONDS, List.of(Dimension.PROVIDER),
            "Seconds of video charged for a task, when it is billed."),
    VENDOR_SUBMIT_LATENCY("VendorSubmitLatency", MetricUnit.MILLISECONDS, List.of(Dimension.PROVIDER),
            "Time one submission call to a vendor took, whatever its answer."),
    VENDOR_JOBS_SUBMITTED("VendorJobsSubmitted", MetricUnit.COUNT, List.of(Dimension.PROVIDER),
            "A vendor accepted a job."),
    VENDOR_ERRORS("VendorErrors", MetricUnit.COUNT, List.of(Dimension.PROVIDER),
            "A vendor refused or failed a job, or did not answer: a submission it did not take, a job it failed or cancelled, a job that timed out."),
    FAILOVERS("Failovers", MetricUnit.COUNT, List.of(Dimension.PROVIDER),
            "A task left a vendor that did not take its job (Provider is the vendor left) for its turn at the next one."),
    RENDER_TIME("RenderTime", MetricUnit.SECONDS, List.of(Dimension.PROVIDER),
            "From the vendor accepting the job to Reelay learning it was done (provider_submitted to provider_completed)."),
    COMPLETION_LAG("CompletionLag", MetricUnit.MILLISECONDS, List.of(Dimension.RESUMPTION),
            "From Reelay learning the vendor was done to the task billed (provider_completed to billed); Resumption says how it learned: callback or polled."),
    QUEUE_WAIT("QueueWait", MetricUnit.MILLISECONDS, List.of(),
            "From a task's acceptance to a vendor accepting its job, for tasks that waited in the queue; zero for those that did not."),
    QUEUE_DEPTH("QueueDepth", MetricUnit.COUNT, List.of(),
            "A task's position in the queue when it found no free slot (1 is next)."),
    ARCHIVE_BYTES("ArchiveBytes", MetricUnit.BYTES, List.of(Dimension.PROVIDER),
            "Bytes of video archived to S3 for a task."),
    ARCHIVE_DURATION("ArchiveDuration", MetricUnit.MILLISECONDS, List.of(),
            "Time to stream one video from its vendor into the archive."),
    WEBHOOKS_DELIVERED("WebhooksDelivered", MetricUnit.COUNT, List.of(),
            "A webhook was delivered (the receiver answered 2xx)."),
    WEBHOOK_ATTEMPTS_FAILED("WebhookAttemptsFailed", MetricUnit.COUNT, List.of(),
            "One webhook delivery attempt failed; it is retried on its schedule."),
    WEBHOOKS_GIVEN_UP("WebhooksGivenUp", MetricUnit.COUNT, List.of(),
            "A webhook was given up after its last attempt, or refused outright, and sent to the dead-letter queue.");

    public static final String NAMESPACE = "Reelay";

    private final String metricName;
    private final MetricUnit unit;
    private final List<String> dimensions;
    private final String meaning;

    Metric(String metricName, MetricUnit unit, List<String> dimensions, String meaning) {
        this.metricName = metricName;
        this.unit = unit;
        this.dimensions = dimensions;
        this.meaning = meaning;
    }

    /** The name in CloudWatch. */
    public String metricName() {
        return metricName;
    }

    public MetricUnit unit() {
        return unit;
    }

    /** The dimension names an event of this metric carries (besides the dimensionless total). */
    public List<String> dimensions() {
        return dimensions;
    }

    public String meaning() {
        return meaning;
    }

    /** The dimension names, in one place. */
    public static final class Dimension {
        public static final String PROVIDER = "Provider";
        public static final String QUALITY = "Quality";
        public static final String CODE = "Code";
        /** {@code callback} or {@code polled}: how Reelay learned that the vendor was done. */
        public static final String RESUMPTION = "Resumption";

        private Dimension() {
        }
    }
}
