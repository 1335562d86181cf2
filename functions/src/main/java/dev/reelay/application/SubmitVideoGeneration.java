package dev.reelay.application;

import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.port.Metrics;
import dev.reelay.domain.metrics.MetricEvent;
import dev.reelay.domain.metrics.Metric;
import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.domain.budget.MonthlyBudget;
import dev.reelay.domain.budget.Reservation;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.TransientFailureException;
import dev.reelay.domain.media.ImageFacts;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.port.ApiKeys;
import dev.reelay.port.Budgets;
import dev.reelay.port.IdempotencyKeys;
import dev.reelay.port.ImageSource;
import dev.reelay.port.TaskStore;
import dev.reelay.port.StagedInputs;
import dev.reelay.port.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Accepts a generation request: validates it, fetches and checks its images, prices it, reserves
 * the most it can cost from its API key's monthly budget, records the task and starts its
 * workflow. Nothing invalid or over budget gets past this point, so nothing of the kind reaches a
 * provider or a bill.
 */
public final class SubmitVideoGeneration {
    private static final Logger LOG = LoggerFactory.getLogger(SubmitVideoGeneration.class);
    /** How many keys' budgets {@link #knownBudgets} holds before it starts afresh. */
    static final int MAX_KNOWN_BUDGETS = 10_000;

    private final GenerationRequestParser parser;
    private final ImageSource images;
    private final StagedInputs inputs;
    private final ProviderTable providers;
    private final TaskStore store;
    private final Workflow workflow;
    private final Clock clock;
    private final Supplier<String> taskIds;
    private final IdempotencyKeys idempotency;
    private final ApiKeys apiKeys;
    private final Budgets budgets;
    private final Metrics metrics;
    /**
     * The monthly budgets of the keys already read, by key name. A key's budget is set when it is created and
     * never changes, and a name is never reused ({@link ApiKeys#create}), so a budget once read holds for the
     * life of this instance: a warm function reads each key's item once, not on every submission (one
     * DynamoDB read of the three a submission made; BENCHMARKS.md, "Submit latency and throughput"). An owner
     * that is no key is not remembered, as it may become one.
     */
    private final Map<String, OptionalLong> knownBudgets = new ConcurrentHashMap<>();

    /**
     * @param apiKeys where the owner's monthly budget is read (an owner that is no key has none)
     * @param budgets where the most a task can cost is reserved against that budget
     */
    public SubmitVideoGeneration(GenerationRequestParser parser, ImageSource images, StagedInputs inputs,
                                 ProviderTable providers, TaskStore store, Workflow workflow, Clock clock,
                                 Supplier<String> taskIds, IdempotencyKeys idempotency, ApiKeys apiKeys, Budgets budgets,
                                 Metrics metrics) {
        this.parser = parser;
        this.images = images;
        this.inputs = inputs;
        this.providers = providers;
        this.store = store;
        this.workflow = workflow;
        this.clock = clock;
        this.taskIds = taskIds;
        this.idempotency = idempotency;
        this.apiKeys = apiKeys;
        this.budgets = budgets;
        this.metrics = metrics;
    }

    /** The pictures of on-the-fly subjects: the vendor fetches them, but Reelay vouches for where they point. */
    private static List<String> subjectPictures(GenerationRequest request) {
        if (!(request.modelParams().get("subjects") instanceof List<?> subjects)) {
            return List.of();
        }
        return subjects.stream().flatMap(subject -> ((List<?>) ((Map<?, ?>) subject).get("element_input_urls")).stream())
                .map(String.class::cast).toList();
    }

    public Task submit(String ownerKeyId, Object body) {
        return submit(ownerKeyId, body, null);
    }

    /**
     * As {@link #submit(String, Object)}; with an idempotency key (the {@code Idempotency-Key}
     * header, else the request's {@code external_task_id}), a repeat of the same request returns
     * the original task, even under concurrent duplicates, and the same key with another body is a 409.
     */
    public Task submit(String ownerKeyId, Object body, String idempotencyKey) {
        return submit(ownerKeyId, body, idempotencyKey, null);
    }

    /** As {@link #submit(String, Object, String)}, for a request of the batch {@code batchId} (null: none). */
    public Task submit(String ownerKeyId, Object body, String idempotencyKey, String batchId) {
        TaskLog.clearTask();
        TaskLog.keyName(ownerKeyId);
        try {
            return accept(ownerKeyId, body, idempotencyKey, batchId);
        } catch (InvalidRequestException | QuotaExceededException | ConflictException refused) {
            countRefusal(ownerKeyId, refused.code());
            throw refused;
        }
    }

    /** A submission refused before any vendor saw it: here, or by the upload trigger before it submits. */
    void countRefusal(String ownerKeyId, String code) {
        metrics.emit(MetricEvent.of(Metric.TASKS_REFUSED, 1).dimension(Metric.Dimension.CODE, code)
                .property(TaskLog.KEY_NAME, ownerKeyId).build());
    }

    private Task accept(String ownerKeyId, Object body, String idempotencyKey, String batchId) {
        GenerationRequest request = parser.parse(body);
        // The cheapest vendor that can serve the request sets the quote; a request none can serve stops here.
        List<ProviderTable.Candidate> candidates = providers.candidates(request);
        Quote quote = candidates.get(0).quote();
        // Failover may move the task to any candidate: the budget holds the dearest one's price.
        Quote mostItCanCost = MonthlyBudget.mostItCanCost(candidates);
        byte[] start = request.imageStart() == null ? null
                : images.fetch("image_start", request.imageStart(), ImageRules.MAX_BYTES, ownerKeyId);
        ImageFacts startFacts = start == null ? null : ImageRules.check("image_start", start);
        byte[] end = request.imageEnd() == null ? null
                : images.fetch("image_end", request.imageEnd(), ImageRules.MAX_BYTES, ownerKeyId);
        ImageFacts endFacts = end == null ? null : ImageRules.check("image_end", end);
        subjectPictures(request).forEach(url -> images.checkPublicAddress("model_params.subjects.element_input_urls", url));

        String taskId = taskIds.get();
        TaskLog.taskId(taskId);
        String key = idempotencyKey != null ? idempotencyKey
                : request.externalTaskId() == null ? null : "external_task_id:" + request.externalTaskId();
        if (key != null) {
            IdempotencyKeys.Claim claim = idempotency.claim(ownerKeyId, key, RequestHash.of(body), taskId);
            if (!claim.claimedNow()) {
                return OriginalRequest.await(claim, RequestHash.of(body),
                        id -> store.find(id).filter(t -> t.ownerKeyId().equals(ownerKeyId)),
                        "This idempotency key (or external_task_id) was used for a different request.");
            }
        }
        // After the claim, so that a repeated request reserves nothing; before anything is staged,
        // recorded or sent, so that a request over budget costs nothing.
        Instant now = clock.instant();
        Reservation reservation;
        try {
            reservation = budgets.reserve(ownerKeyId, budgetOf(ownerKeyId), mostItCanCost.costMicros(), MonthlyBudget.monthOf(now));
        } catch (RuntimeException refused) {
            giveUp(ownerKeyId, taskId, key, Reservation.NONE, refused);
            throw refused;
        }
        Task task;
        try {
            // A storage failure from here on gives back the reservation and the idempotency claim,
            // so a retry with the same key (an S3 event redelivered) can still make the task.
            String startKey = start == null ? null
                    : inputs.stage(taskId, "image_start." + startFacts.format(), start, startFacts.contentType());
            String endKey = end == null ? null
                    : inputs.stage(taskId, "image_end." + endFacts.format(), end, endFacts.contentType());
            task = Task.accepted(taskId, ownerKeyId, now, request, startKey, endKey, quote);
            if (batchId != null) {
                task = task.inBatch(batchId);
            }
            store.create(task, reservation);
        } catch (RuntimeException e) {
            giveUp(ownerKeyId, taskId, key, reservation, e);
            throw e;
        }
        try {
            workflow.start(taskId);
        } catch (RuntimeException e) {
            LOG.error("Could not start the workflow of task {}; marking it failed", taskId, e);
            Failure failure = new Failure("workflow_unavailable", "The task could not be started; it was not charged.");
            // Failing the task releases its reservation in the same write.
            store.markFailed(taskId, failure, new TimelineEvent(TimelineEvent.FAILED, clock.instant(), failure.code()));
            throw new TransientFailureException("workflow_unavailable",
                    "The task could not be started; try again.", e);
        }
        metrics.emit(MetricEvent.of(Metric.TASKS_ACCEPTED, 1).dimension(Metric.Dimension.QUALITY, request.quality().wire())
                .property(TaskLog.TASK_ID, taskId).build());
        LOG.info("Accepted task {} for key {}: {} s at {}/{}, quoted {} USD, {} held of the monthly budget", taskId, ownerKeyId,
                request.durationSeconds(), request.quality().wire(), request.sound().wire(), quote.costUsd(),
                MonthlyBudget.usd(reservation.micros()));
        return task;
    }

    private OptionalLong budgetOf(String ownerKeyId) {
        OptionalLong known = knownBudgets.get(ownerKeyId);
        if (known != null) {
            return known;
        }
        Optional<ApiKey> key = apiKeys.findByName(ownerKeyId);
        OptionalLong budget = key.flatMap(ApiKey::monthlyBudgetUsd)
                .map(usd -> OptionalLong.of(MonthlyBudget.micros(usd))).orElse(OptionalLong.empty());
        if (key.isPresent()) {
            if (knownBudgets.size() >= MAX_KNOWN_BUDGETS) {
                knownBudgets.clear();
            }
            knownBudgets.put(ownerKeyId, budget);
        }
        return budget;
    }

    /**
     * The submission stopped after claiming its idempotency key (and perhaps reserving part of the
     * budget) but before its task was recorded: the reservation is given back and the key freed,
     * so that nothing is held for a task that does not exist. When recording may have gone through
     * after all (the task is there), the task holds both and its end settles them.
     */
    private void giveUp(String ownerKeyId, String taskId, String key, Reservation reservation, RuntimeException cause) {
        try {
            if (store.find(taskId).isPresent()) {
                return;
            }
            budgets.release(ownerKeyId, reservation);
            if (key != null) {
                idempotency.release(ownerKeyId, key, taskId);
            }
        } catch (RuntimeException cleanupFailed) {
            LOG.error("Could not give back what the refused submission of task {} held ({} of {}'s budget)", taskId,
                    MonthlyBudget.usd(reservation.micros()), ownerKeyId, cleanupFailed);
            cause.addSuppressed(cleanupFailed);
        }
    }
}
