package dev.reelay.application;

import dev.reelay.testing.RecordingMetrics;
import dev.reelay.testing.InMemoryTaskStore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.pricing.Quote;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.domain.task.Failure;
import dev.reelay.domain.task.Task;
import dev.reelay.domain.task.TaskResult;
import dev.reelay.domain.task.TimelineEvent;
import dev.reelay.domain.webhook.StandardWebhooksVerifier;
import dev.reelay.domain.webhook.WebhookSchedule;
import dev.reelay.domain.webhook.WebhookUrlRules;
import dev.reelay.port.WebhookSecrets;
import dev.reelay.testing.FixedWebhookSecret;
import dev.reelay.port.WebhookSender;
import dev.reelay.port.WebhookSender.Result;
import dev.reelay.testing.InMemoryArchive;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One delivery attempt per run: recorded once each, retried on the schedule, signed over the task object GET shows. */
class DeliverWebhookTest {
    private final RecordingMetrics metrics = new RecordingMetrics();
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String CALLBACK = "https://hooks.example.com/reelay?token=abc";

    private final Instant now = Instant.parse("2026-11-23T01:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final GetTask getTask = new GetTask(store, new InMemoryArchive(), Duration.ofHours(1), clock);
    private final ObjectMapper json = new ObjectMapper();
    private final FakeSender sender = new FakeSender();
    private final WebhookSecrets secrets = new FixedWebhookSecret(SECRET);
    private final DeliverWebhook deliver = deliverWith(WebhookUrlRules.STRICT);

    private record Sent(URI url, Map<String, String> headers, byte[] body, byte[] taskObjectAtSendTime) {
    }

    /** Answers from a script (then 204s), and remembers every request with the task object GET showed at that moment. */
    private final class FakeSender implements WebhookSender {
        final Deque<Result> script = new ArrayDeque<>();
        final List<Sent> sent = new ArrayList<>();

        @Override
        public Result send(URI url, Map<String, String> headers, byte[] body) {
            sent.add(new Sent(url, Map.copyOf(headers), body, taskObject(body)));
            return script.isEmpty() ? Result.delivered(204) : script.poll();
        }

        private byte[] taskObject(byte[] body) {
            String taskId = new String(body, java.nio.charset.StandardCharsets.UTF_8).replaceAll(".*?\"id\":\"([^\"]+)\".*", "$1");
            try {
                return json.writeValueAsBytes(TaskRepresentation.of(getTask.get("owner-1", taskId)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private DeliverWebhook deliverWith(WebhookUrlRules rules) {
        return new DeliverWebhook(store, store::appendEventToEndedTask, getTask, secrets, sender, rules,
                WebhookSchedule.DEFAULT, json, clock, metrics);
    }

    private Task completedTask(String id, String callbackUrl) {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P1080, Sound.ON, "16:9", null, callbackUrl, null, null);
        Quote quote = Providers.unifiedDefaults().quote(Quality.P1080, Sound.ON, 5);
        store.create(Task.accepted(id, "owner-1", now, request, "inputs/" + id + "/image_start.jpeg", null, quote));
        store.recordProviderSubmission(id, "cheap", "job-" + id, 60, quote, new TimelineEvent(TimelineEvent.PROVIDER_SUBMITTED, now, "cheap"));
        store.recordResult(id, new TaskResult("videos/" + id + ".mp4", "ab".repeat(32), 1234, 5.0),
                new TimelineEvent(TimelineEvent.ARCHIVED, now, "1234 bytes"));
        store.settle(id, quote, new TimelineEvent(TimelineEvent.BILLED, now, quote.costUsd().toPlainString() + " USD"));
        return store.find(id).orElseThrow();
    }

    private List<TimelineEvent> webhookEvents(String taskId) {
        return store.find(taskId).orElseThrow().timeline().stream().filter(e -> e.event().startsWith("webhook_")).toList();
    }

    /** Runs the step as the state machine's loop would: until it stops asking for a retry. */
    private List<WorkflowState> runLoop(String taskId) {
        List<WorkflowState> states = new ArrayList<>();
        WorkflowState state = WorkflowState.start(taskId);
        do {
            state = deliver.deliver(state);
            states.add(state);
        } while (state.webhookStatus().equals(DeliverWebhook.RETRY));
        return states;
    }

    @Test
    void aTaskWithoutCallbackUrlHasNoWebhook() {
        completedTask("task-quiet", null);

        WorkflowState state = deliver.deliver(WorkflowState.start("task-quiet"));

        assertThat(state.webhookStatus()).isEqualTo("none");
        assertThat(state.webhookAttempts()).isZero();
        assertThat(state.webhookWaitSeconds()).isNull();
        assertThat(sender.sent).isEmpty();
        assertThat(webhookEvents("task-quiet")).isEmpty();
    }

    @Test
    void aReceiverFailingTwiceThenAnsweringGetsExactlyOneDeliveryAndEachAttemptIsRecorded() {
        completedTask("task-flaky", CALLBACK);
        sender.script.add(Result.refused(500, null));
        sender.script.add(Result.noAnswer("SocketTimeoutException: Read timed out"));

        List<WorkflowState> states = runLoop("task-flaky");

        assertThat(states).extracting(WorkflowState::webhookStatus).containsExactly("retry", "retry", "delivered");
        assertThat(states).extracting(WorkflowState::webhookAttempts).containsExactly(1, 2, 3);
        assertThat(states).extracting(WorkflowState::webhookWaitSeconds).containsExactly(1, 2, null);
        assertThat(states.get(2).status()).isNull();
        assertThat(sender.sent).hasSize(3);
        assertThat(webhookEvents("task-flaky")).extracting(TimelineEvent::key, TimelineEvent::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple("webhook_attempt_failed#1", "attempt 1: 500"),
                org.assertj.core.groups.Tuple.tuple("webhook_attempt_failed#2", "attempt 2: SocketTimeoutException: Read timed out"),
                org.assertj.core.groups.Tuple.tuple("webhook_delivered", "attempt 3: 204"));
        assertThat(webhookEvents("task-flaky")).extracting(TimelineEvent::event)
                .containsExactly("webhook_attempt_failed", "webhook_attempt_failed", "webhook_delivered");
        assertThat(metrics.sum(dev.reelay.domain.metrics.Metric.WEBHOOK_ATTEMPTS_FAILED)).isEqualTo(2);
        assertThat(metrics.sum(dev.reelay.domain.metrics.Metric.WEBHOOKS_DELIVERED)).isEqualTo(1);
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.WEBHOOKS_GIVEN_UP)).isEmpty();
    }

    @Test
    void aReceiverThatNeverAnswersIsGivenUpAfterFourAttempts() {
        completedTask("task-down", CALLBACK);
        for (int i = 0; i < 10; i++) {
            sender.script.add(Result.refused(503, null));
        }

        List<WorkflowState> states = runLoop("task-down");

        assertThat(states).extracting(WorkflowState::webhookStatus).containsExactly("retry", "retry", "retry", "gave_up");
        assertThat(states).extracting(WorkflowState::webhookWaitSeconds).containsExactly(1, 2, 4, null);
        assertThat(states.get(3).webhookAttempts()).isEqualTo(4);
        assertThat(sender.sent).hasSize(4);
        assertThat(webhookEvents("task-down")).extracting(TimelineEvent::key).containsExactly("webhook_attempt_failed#1",
                "webhook_attempt_failed#2", "webhook_attempt_failed#3", "webhook_attempt_failed#4", "webhook_gave_up");
        assertThat(states.subList(0, 3)).extracting(WorkflowState::webhookDeadLetter).containsOnlyNulls();
        assertThat(metrics.sum(dev.reelay.domain.metrics.Metric.WEBHOOK_ATTEMPTS_FAILED)).isEqualTo(4);
        assertThat(metrics.sum(dev.reelay.domain.metrics.Metric.WEBHOOKS_GIVEN_UP)).isEqualTo(1);
        assertThat(metrics.of(dev.reelay.domain.metrics.Metric.WEBHOOKS_DELIVERED)).isEmpty();
    }

    /** The state machine's TaskOutcome ends the execution by {@code $.status} after the loop: every answer keeps it. */
    @Test
    void everyAnswerKeepsTheStatusTheStateMachineEndsTheExecutionBy() {
        for (String status : List.of(WorkflowState.COMPLETED, WorkflowState.FAILED, WorkflowState.CANCELLED)) {
            completedTask("quiet-" + status, null);
            completedTask("flaky-" + status, CALLBACK);
            completedTask("down-" + status, CALLBACK);
            List<WorkflowState> answers = new ArrayList<>();
            answers.add(deliver.deliver(withStatus("quiet-" + status, status)));
            sender.script.add(Result.refused(500, null));
            answers.add(deliver.deliver(withStatus("flaky-" + status, status)));
            answers.add(deliver.deliver(answers.get(answers.size() - 1)));
            for (int i = 0; i < 4; i++) {
                sender.script.add(Result.refused(503, null));
            }
            WorkflowState down = withStatus("down-" + status, status);
            do {
                down = deliver.deliver(down);
                answers.add(down);
            } while (down.webhookStatus().equals(DeliverWebhook.RETRY));

            assertThat(answers).extracting(WorkflowState::webhookStatus).as(status)
                    .contains(DeliverWebhook.NONE, DeliverWebhook.RETRY, DeliverWebhook.DELIVERED, DeliverWebhook.GAVE_UP);
            assertThat(answers).extracting(WorkflowState::status).as(status).containsOnly(status);
        }
    }

    private static WorkflowState withStatus(String taskId, String status) {
        return new WorkflowState(taskId, null, null, null, null, null, status, null, null, null, null, null, null, null, null);
    }

    @Test
    void aWebhookGivenUpCarriesItsDeadLetterForTheStateMachineToQueue() throws Exception {
        completedTask("task-dead", CALLBACK);
        for (int i = 0; i < 10; i++) {
            sender.script.add(Result.refused(503, null));
        }

        List<WorkflowState> states = runLoop("task-dead");
        WorkflowState last = states.get(3);

        assertThat(last.webhookDeadLetter()).isEqualTo(new WorkflowState.WebhookDeadLetter("task-dead", CALLBACK, "completed", 4,
                new WorkflowState.StepError("WebhookGaveUp", "attempt 4: " + Result.refused(503, null).describe())));
        // Exactly the message body the state machine sends ("MessageBody.$": "$.webhookDeadLetter").
        assertThat(json.readTree(json.writeValueAsString(last)).path("webhookDeadLetter").toString()).isEqualTo(
                "{\"taskId\":\"task-dead\",\"callback_url\":\"" + CALLBACK + "\",\"task_status\":\"completed\",\"attempts\":4,"
                        + "\"last_error\":{\"Error\":\"WebhookGaveUp\",\"Cause\":\"attempt 4: " + Result.refused(503, null).describe() + "\"}}");
        assertThat(json.readValue(json.writeValueAsString(last), WorkflowState.class)).isEqualTo(last);

        WorkflowState rerun = deliver.deliver(states.get(2));
        assertThat(rerun.webhookDeadLetter()).as("a re-run of the last attempt gives the same dead letter")
                .isEqualTo(last.webhookDeadLetter());
        assertThat(sender.sent).hasSize(4);
    }

    @Test
    void theBodyIsTheTaskObjectGetShowsSignedWithTheOwnersSecretUnderAStableId() throws Exception {
        completedTask("task-signed", CALLBACK);
        sender.script.add(Result.refused(500, null));

        runLoop("task-signed");

        assertThat(sender.sent).hasSize(2).allSatisfy(sent -> {
            assertThat(sent.url()).isEqualTo(URI.create(CALLBACK));
            assertThat(sent.body()).isEqualTo(sent.taskObjectAtSendTime());
            assertThat(sent.headers()).containsEntry("webhook-id", "msg_task-signed")
                    .containsEntry("webhook-timestamp", Long.toString(now.getEpochSecond()));
            assertThat(StandardWebhooksVerifier.verifies(SECRET, sent.headers(), sent.body(), now.getEpochSecond())).isTrue();
            byte[] tampered = new String(sent.body(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\"completed\"", "\"failed\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(StandardWebhooksVerifier.verifies(SECRET, sent.headers(), tampered, now.getEpochSecond())).isFalse();
        });
        Map<?, ?> task = json.readValue(sender.sent.get(1).body(), Map.class);
        assertThat(task.get("status")).isEqualTo("completed");
        assertThat(task.get("result")).asString().contains("https://archive.test/videos/task-signed.mp4");
        assertThat(task.get("timeline").toString()).as("the second attempt shows the first").contains("webhook_attempt_failed");
    }

    @Test
    void aFailedTaskGetsItsWebhookToo() {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P1080, Sound.ON, "16:9", null, CALLBACK, null, null);
        store.create(Task.accepted("task-failed", "owner-1", now, request, "inputs/x.jpeg", null,
                Providers.unifiedDefaults().quote(Quality.P1080, Sound.ON, 5)));
        store.markFailed("task-failed", new Failure("provider_failed", "No."), new TimelineEvent(TimelineEvent.FAILED, now, "provider_failed"));

        assertThat(deliver.deliver(WorkflowState.start("task-failed")).webhookStatus()).isEqualTo("delivered");
        assertThat(new String(sender.sent.get(0).body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"status\":\"failed\"", "\"code\":\"provider_failed\"");
    }

    @Test
    void aRerunOfTheSameAttemptRecordsItOnceAndADeliveredWebhookIsNotSentAgain() {
        completedTask("task-rerun", CALLBACK);
        sender.script.add(Result.refused(500, null));
        sender.script.add(Result.refused(500, null));
        WorkflowState input = WorkflowState.start("task-rerun");

        WorkflowState first = deliver.deliver(input);
        WorkflowState again = deliver.deliver(input);

        assertThat(again).isEqualTo(first);
        assertThat(webhookEvents("task-rerun")).extracting(TimelineEvent::key).containsExactly("webhook_attempt_failed#1");

        WorkflowState delivered = deliver.deliver(first);
        WorkflowState deliveredAgain = deliver.deliver(first);

        assertThat(deliveredAgain).isEqualTo(delivered);
        assertThat(delivered.webhookStatus()).isEqualTo("delivered");
        assertThat(sender.sent).hasSize(3);
        assertThat(webhookEvents("task-rerun")).extracting(TimelineEvent::key)
                .containsExactly("webhook_attempt_failed#1", "webhook_delivered");
    }

    @Test
    void theUrlIsCheckedAgainAtDeliveryAndARefusalGivesUpAtOnce() {
        completedTask("task-local", "http://localhost:8080/hook");

        WorkflowState state = deliver.deliver(WorkflowState.start("task-local"));

        assertThat(state.webhookStatus()).isEqualTo("gave_up");
        assertThat(state.webhookAttempts()).isEqualTo(1);
        assertThat(state.webhookDeadLetter().callbackUrl()).isEqualTo("http://localhost:8080/hook");
        assertThat(state.webhookDeadLetter().lastError().cause()).startsWith("attempt 1: callback_url refused: ");
        assertThat(sender.sent).isEmpty();
        assertThat(webhookEvents("task-local")).extracting(TimelineEvent::key).containsExactly("webhook_attempt_failed#1", "webhook_gave_up");
        assertThat(webhookEvents("task-local").get(0).detail()).startsWith("attempt 1: callback_url refused: ");

        assertThat(deliverWith(new WebhookUrlRules(true)).deliver(WorkflowState.start("task-local")).webhookStatus())
                .as("already given up: not sent, even where local receivers are allowed").isEqualTo("gave_up");
        assertThat(sender.sent).isEmpty();
    }

    @Test
    void aTaskStillRunningIsAProgrammingErrorNotAWebhook() {
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P1080, Sound.ON, "16:9", null, CALLBACK, null, null);
        store.create(Task.accepted("task-running", "owner-1", now, request, "inputs/x.jpeg", null,
                Providers.unifiedDefaults().quote(Quality.P1080, Sound.ON, 5)));

        assertThatThrownBy(() -> deliver.deliver(WorkflowState.start("task-running")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("pending");
        assertThat(sender.sent).isEmpty();
    }
}
