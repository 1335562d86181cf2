package dev.reelay.application;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ProviderCallbacks;
import dev.reelay.port.ProviderCallbacks.Registration;
import dev.reelay.port.ProviderClient.CallbackReport;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.TaskStore;
import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * Provider callbacks, both halves: the workflow step that waits for one, and the reception of
 * one. A callback is only a hint: its status is believed only once a query to the provider
 * confirms it. Non-final, duplicate, late and forged callbacks change nothing; a lost one costs
 * the waiting step its timeout, after which the workflow polls.
 */
public final class ProviderCallbackReception {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderCallbackReception.class);
    public static final String PROVIDER_CALLBACK = TimelineEvent.PROVIDER_CALLBACK;

    /** What became of a callback. */
    public enum Outcome {
        /** No such callback URL: answered 404. */
        UNKNOWN,
        /** Not a final status (yet), not this task's job, or not confirmed by the provider. */
        IGNORED,
        /** The waiting step was resumed. */
        RESUMED,
        /** Confirmed, but no step waits now (it timed out, was resumed already, or has not begun). */
        NOTED
    }

    private final ProviderCallbacks callbacks;
    private final ProviderRouter router;
    private final TaskStore store;
    private final Workflow workflow;
    private final VideoGenerationSteps steps;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ProviderCallbackReception(ProviderCallbacks callbacks, ProviderRouter router, TaskStore store,
                                     Workflow workflow, VideoGenerationSteps steps, Clock clock) {
        this.callbacks = callbacks;
        this.router = router;
        this.store = store;
        this.workflow = workflow;
        this.steps = steps;
        this.clock = clock;
    }

    /**
     * The waiting step: registers its token. If the final callback came before the wait began,
     * the job is confirmed and the step resumed at once.
     */
    public void await(WorkflowState state, String taskToken) {
        TaskLog.taskId(state.taskId());
        TaskLog.provider(state.provider());
        Registration registration = callbacks.await(callbacks.secretFor(state.taskId()), taskToken, write(state));
        if (state.providerTaskId() == null) {
            // Reconciling a submission: a callback may have named the job meanwhile.
            store.find(state.taskId()).filter(task -> task.providerTaskId() != null).ifPresent(task -> workflow.resume(taskToken,
                    write(steps.submitted(task.id(), task.provider(), task.providerTaskId(), task.estimatedSeconds()))));
            return;
        }
        if (registration.finished()) {
            confirmedStatus(state.provider(), state.providerTaskId()).ifPresent(status -> {
                if (resume(registration, status) == Outcome.RESUMED) {
                    store.appendEvent(state.taskId(), new TimelineEvent(PROVIDER_CALLBACK, clock.instant(),
                            state.provider() + " (arrived between waits)"));
                }
            });
        }
    }

    public Outcome receive(String provider, String secret, byte[] body) {
        Optional<Registration> registration = callbacks.find(secret);
        Optional<Task> task = registration.flatMap(r -> store.find(r.taskId()));
        if (task.isEmpty() || (task.get().provider() != null && !provider.equals(task.get().provider()))) {
            return Outcome.UNKNOWN;
        }
        Task job = task.get();
        TaskLog.task(job);
        Optional<CallbackReport> report = parse(provider, body);
        if (report.isEmpty()) {
            LOG.warn("Task {}: a callback on its URL is not a {} job report; ignored", job.id(), provider);
            return Outcome.IGNORED;
        }
        if (job.providerTaskId() == null) {
            return adopt(job, provider, report.get(), registration.get());
        }
        if (!sameJob(report.get().providerTaskId(), job.providerTaskId())) {
            return orphan(job, provider, report.get().providerTaskId());
        }
        if (!report.get().status().isFinal()) {
            return Outcome.IGNORED;
        }
        Optional<JobStatus> confirmed = confirmedStatus(provider, job.providerTaskId());
        if (confirmed.isEmpty()) {
            return Outcome.IGNORED;
        }
        Outcome outcome = resume(callbacks.finish(secret), confirmed.get());
        if (outcome == Outcome.RESUMED) {
            store.appendEvent(job.id(), new TimelineEvent(PROVIDER_CALLBACK, clock.instant(), provider));
        }
        return outcome;
    }

    /**
     * A callback for a task whose submission got no answer names its job: adopted once a query
     * confirms it, and the reconciling step resumed. Before any submission was made, or for another
     * vendor than the pending one, it is no job of this task's.
     */
    private Outcome adopt(Task task, String provider, CallbackReport report, Registration registration) {
        if (task.pendingSubmission() == null || !task.pendingSubmission().provider().equals(provider)) {
            return Outcome.IGNORED;
        }
        Optional<WorkflowState> adopted = steps.adopt(task, provider, report.providerTaskId());
        if (adopted.isEmpty()) {
            return Outcome.IGNORED;
        }
        Registration now = report.status().isFinal() ? callbacks.finish(registration.secret()) : registration;
        boolean resumed = now.taskToken() != null && workflow.resume(now.taskToken(), write(adopted.get()));
        LOG.info("Task {}: its {} job {} was found by its callback{}", task.id(), provider, report.providerTaskId(),
                resumed ? "; the workflow goes on" : "");
        return resumed ? Outcome.RESUMED : Outcome.NOTED;
    }

    /** A callback about another job of this vendor's on the task's URL: a second job, stopped where the vendor can. */
    private Outcome orphan(Task task, String provider, String reportedJob) {
        String key = TimelineEvent.PROVIDER_ORPHAN_JOB + "#" + reportedJob;
        if (task.timeline().stream().noneMatch(event -> event.key().equals(key))) {
            steps.orphan(task, provider, reportedJob);
        }
        return Outcome.IGNORED;
    }

    private Outcome resume(Registration registration, JobStatus status) {
        if (registration.taskToken() == null) {
            return Outcome.NOTED;
        }
        WorkflowState waiting = read(registration.waitingState());
        boolean resumed = workflow.resume(registration.taskToken(), write(steps.afterStatus(waiting, status, TaskMetrics.VIA_CALLBACK)));
        LOG.info("Task {}: provider callback {}", registration.taskId(), resumed ? "resumed the workflow" : "came after the wait ended");
        return resumed ? Outcome.RESUMED : Outcome.NOTED;
    }

    /** A body the vendor's adapter cannot read is no callback of its: ignored, like any other hint that fails. */
    private Optional<CallbackReport> parse(String provider, byte[] body) {
        try {
            return router.client(provider).parseCallback(body);
        } catch (ProviderException malformed) {
            LOG.warn("A {} callback could not be read ({}); ignored", provider, malformed.getMessage());
            return Optional.empty();
        }
    }

    /** The provider's own answer, if final; a callback alone is never trusted. */
    private Optional<JobStatus> confirmedStatus(String provider, String providerTaskId) {
        try {
            JobStatus status = router.client(provider).query(providerTaskId);
            return status.isFinal() ? Optional.of(status) : Optional.empty();
        } catch (ProviderException e) {
            LOG.warn("Could not confirm a callback for {} job {} ({}); polling will catch up", provider, providerTaskId, e.code());
            return Optional.empty();
        }
    }

    /** Kling's ids carry their route ({@code image2video/123}); its callbacks may not know it. */
    private static boolean sameJob(String reported, String recorded) {
        return reported.equals(recorded) || lastSegment(reported).equals(lastSegment(recorded));
    }

    private static String lastSegment(String id) {
        return id.substring(id.lastIndexOf('/') + 1);
    }

    private String write(WorkflowState state) {
        try {
            return json.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Workflow state not serialisable", e);
        }
    }

    private WorkflowState read(String state) {
        try {
            return json.readValue(state, WorkflowState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored workflow state unreadable", e);
        }
    }
}
