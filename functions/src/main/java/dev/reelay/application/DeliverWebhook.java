package dev.reelay.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.PermanentFailureException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.webhook.StandardWebhookSigner;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.port.Metrics;
import dev.reelay.port.TaskStore;
import dev.reelay.port.WebhookSecrets;
import dev.reelay.port.WebhookSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.util.OptionalInt;

/**
 * The webhook step of the state machine's one webhook loop, after billing, after RecordFailure, or (for a
 * cancelled task) as the only step of its webhook-only execution: one delivery attempt per run. It POSTs the
 * task object exactly as {@code GET /v1/tasks/{id}} shows it, signed with the owner's secret, to the
 * task's {@code callback_url}, records the attempt in the task's timeline and tells the state
 * machine what next: {@code none}, {@code delivered}, {@code retry} after a wait from the
 * {@link WebhookSchedule}, or {@code gave_up}, with the message that the state machine then puts on the
 * webhook dead-letter queue ({@link WorkflowState.WebhookDeadLetter}).
 * <p>
 * Safe to run again: each attempt's event has its own key, so a re-run records nothing twice, and
 * a task whose webhook was already delivered or given up is not sent again. A re-run of an attempt
 * whose answer was lost does send again, with the same {@code webhook-id}: receivers deduplicate.
 */
public final class DeliverWebhook {
    private static final Logger LOG = LoggerFactory.getLogger(DeliverWebhook.class);

    public static final String NONE = "none";
    public static final String DELIVERED = "delivered";
    public static final String RETRY = "retry";
    public static final String GAVE_UP = "gave_up";
    public static final String WEBHOOK_ATTEMPT_FAILED = "webhook_attempt_failed";
    public static final String WEBHOOK_DELIVERED = "webhook_delivered";
    public static final String WEBHOOK_GAVE_UP = "webhook_gave_up";

    /**
     * Appends an event, once per {@link TimelineEvent#key()}, to a task that has already ended
     * (which {@link TaskStore#appendEvent} refuses): {@code TaskStore::appendEventToEndedTask}.
     */
    @FunctionalInterface
    public interface EndedTaskTimeline {
        boolean append(String taskId, TimelineEvent event);
    }

    private final TaskStore store;
    private final EndedTaskTimeline timeline;
    private final GetTask getTask;
    private final WebhookSecrets secrets;
    private final WebhookSender sender;
    private final WebhookUrlRules rules;
    private final WebhookSchedule schedule;
    private final ObjectMapper json;
    private final Clock clock;
    private final Metrics metrics;
    private final StandardWebhookSigner signer = new StandardWebhookSigner();

    public DeliverWebhook(TaskStore store, EndedTaskTimeline timeline, GetTask getTask, WebhookSecrets secrets,
                          WebhookSender sender, WebhookUrlRules rules, WebhookSchedule schedule, ObjectMapper json, Clock clock,
                          Metrics metrics) {
        this.store = store;
        this.timeline = timeline;
        this.getTask = getTask;
        this.secrets = secrets;
        this.sender = sender;
        this.rules = rules;
        this.schedule = schedule;
        this.json = json;
        this.clock = clock;
        this.metrics = metrics;
    }

    public WorkflowState deliver(WorkflowState state) {
        Task task = store.find(state.taskId()).orElseThrow(() ->
                new PermanentFailureException("task_not_found", "Task " + state.taskId() + " is not in the task store."));
        TaskLog.task(task);
        String callbackUrl = task.request().callbackUrl();
        if (callbackUrl == null) {
            return state.webhook(NONE, 0, null);
        }
        if (!task.status().isTerminal()) {
            throw new IllegalStateException("Task " + task.id() + " is " + task.status().wire()
                    + ": its webhook goes out only once it has ended");
        }
        int attempt = (state.webhookAttempts() == null ? 0 : state.webhookAttempts()) + 1;
        if (recorded(task, WEBHOOK_DELIVERED)) {
            return state.webhook(DELIVERED, attempt, null);
        }
        if (recorded(task, WEBHOOK_GAVE_UP)) {
            // A re-run after the attempt that gave up: the same dead letter, from the timeline.
            int attempts = (int) task.timeline().stream().filter(e -> e.event().equals(WEBHOOK_ATTEMPT_FAILED)).count();
            String lastError = task.timeline().stream().filter(e -> e.event().equals(WEBHOOK_ATTEMPT_FAILED))
                    .reduce((first, second) -> second).map(TimelineEvent::detail).orElse("given up before");
            return state.webhookGaveUp(attempts, deadLetter(task, callbackUrl, attempts, lastError));
        }
        URI url;
        try {
            url = rules.check("callback_url", callbackUrl);
        } catch (InvalidRequestException refused) {
            // The rules are the same on every attempt: retrying cannot help.
            return giveUp(state, task, attempt, "attempt " + attempt + ": callback_url refused: " + refused.getMessage());
        }
        byte[] body = body(task);
        StandardWebhookSigner.Signature signature = signer.sign(secrets.secretFor(task.ownerKeyId()),
                StandardWebhookSigner.messageId(task.id()), clock.instant().getEpochSecond(), body);
        WebhookSender.Result result = sender.send(url, signature.headers(), body);
        String detail = "attempt " + attempt + ": " + result.describe();
        LOG.info("Task {} webhook attempt {} to {}: {}", task.id(), attempt, url.getHost(), result.describe());
        if (result.delivered()) {
            timeline.append(task.id(), new TimelineEvent(WEBHOOK_DELIVERED, clock.instant(), detail));
            count(Metric.WEBHOOKS_DELIVERED, task);
            return state.webhook(DELIVERED, attempt, null);
        }
        OptionalInt wait = schedule.delayAfter(attempt);
        if (wait.isEmpty()) {
            return giveUp(state, task, attempt, detail);
        }
        recordFailedAttempt(task, attempt, detail);
        count(Metric.WEBHOOK_ATTEMPTS_FAILED, task);
        return state.webhook(RETRY, attempt, wait.getAsInt());
    }

    private WorkflowState giveUp(WorkflowState state, Task task, int attempt, String detail) {
        recordFailedAttempt(task, attempt, detail);
        timeline.append(task.id(), new TimelineEvent(WEBHOOK_GAVE_UP, clock.instant(), "after " + attempt + " attempts"));
        LOG.warn("Task {} webhook given up after {} attempts ({})", task.id(), attempt, detail);
        count(Metric.WEBHOOK_ATTEMPTS_FAILED, task);
        count(Metric.WEBHOOKS_GIVEN_UP, task);
        return state.webhookGaveUp(attempt, deadLetter(task, task.request().callbackUrl(), attempt, detail));
    }

    private static WorkflowState.WebhookDeadLetter deadLetter(Task task, String callbackUrl, int attempts, String lastError) {
        return new WorkflowState.WebhookDeadLetter(task.id(), callbackUrl, task.status().wire(), attempts,
                new WorkflowState.StepError(WorkflowState.WebhookDeadLetter.GAVE_UP, lastError));
    }

    private void recordFailedAttempt(Task task, int attempt, String detail) {
        timeline.append(task.id(), new TimelineEvent(WEBHOOK_ATTEMPT_FAILED, clock.instant(), detail,
                WEBHOOK_ATTEMPT_FAILED + "#" + attempt));
    }

    /** The task object as GET shows it, serialised once: these exact bytes are signed and sent. */
    private byte[] body(Task task) {
        try {
            return json.writeValueAsBytes(TaskRepresentation.of(getTask.get(task.ownerKeyId(), task.id())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Task " + task.id() + " is not serialisable as JSON", e);
        }
    }

    private void count(Metric metric, Task task) {
        metrics.emit(MetricEvent.of(metric, 1).property(TaskLog.TASK_ID, task.id()).build());
    }

    private static boolean recorded(Task task, String key) {
        return task.timeline().stream().anyMatch(event -> event.key().equals(key));
    }
}
