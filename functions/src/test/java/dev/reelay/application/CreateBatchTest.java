package dev.reelay.application;

import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchStatus;
import dev.reelay.domain.batch.RequestCounts;
import dev.reelay.domain.error.ConflictException;
import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.error.TransientFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.reelay.application.BatchRig.OWNER;
import static dev.reelay.application.BatchRig.batchBody;
import static dev.reelay.application.BatchRig.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code POST /v1/batches}: the envelope's rules, idempotency, and a workflow that cannot start. */
class CreateBatchTest {
    private static final String HOOK = "https://hooks.example.com/reelay/batches";

    private final BatchRig rig = new BatchRig();

    @Test
    void acceptsTheBatchKeepsItsRequestsAndStartsItsWorkflow() {
        Map<String, Object> body = batchBody(List.of(request("a", 5), request("b", 99), request("c", 3)), HOOK);
        body.put("metadata", Map.of("campaign", "summer"));

        Batch batch = rig.createBatch.create(OWNER, body, null);

        assertThat(batch.id()).isEqualTo(rig.batchIds.get(0));
        assertThat(batch.status()).isEqualTo(BatchStatus.VALIDATING);
        assertThat(batch.counts()).isEqualTo(RequestCounts.allPending(3));
        assertThat(batch.createdAt()).isEqualTo(rig.clock.instant());
        assertThat(batch.callbackUrl()).isEqualTo(HOOK);
        assertThat(batch.metadata()).containsExactly(Map.entry("campaign", "summer"));
        assertThat(batch.manifest()).isNull();
        assertThat(rig.batches.find(batch.id())).contains(batch);
        assertThat(rig.batches.entries(batch.id())).isEmpty();
        assertThat(rig.requests.load(batch.id())).isEqualTo(body.get("requests"));
        assertThat(rig.batchWorkflow.started).containsExactly(batch.id());
        assertThat(rig.taskIds).as("the requests are checked and made by the workflow, not here").isEmpty();
    }

    @Test
    void aThousandRequestsAreABatch() {
        List<Object> thousand = Collections.nCopies(Batch.MAX_REQUESTS, request("a", 5));

        Batch batch = rig.createBatch.create(OWNER, batchBody(thousand, null), null);

        assertThat(batch.counts().total()).isEqualTo(Batch.MAX_REQUESTS);
        assertThat(rig.requests.load(batch.id())).hasSize(Batch.MAX_REQUESTS);
    }

    static Stream<Arguments> refusedEnvelopes() {
        Map<String, Object> manyPairs = new LinkedHashMap<>();
        IntStream.rangeClosed(1, CreateBatch.MAX_METADATA_PAIRS + 1).forEach(i -> manyPairs.put("k" + i, "v"));
        return Stream.of(
                Arguments.of("an array body", List.of(request("a", 5)), "invalid_body", null),
                Arguments.of("a string body", "requests", "invalid_body", null),
                Arguments.of("an unknown field", with(batchBody(List.of(request("a", 5)), null), "model", "x"), "unknown_parameter", "model"),
                Arguments.of("no requests", new LinkedHashMap<>(), "invalid_requests", "requests"),
                Arguments.of("0 requests", batchBody(List.of(), null), "invalid_requests", "requests"),
                Arguments.of("1001 requests", batchBody(Collections.nCopies(Batch.MAX_REQUESTS + 1, request("a", 5)), null),
                        "invalid_requests", "requests"),
                Arguments.of("requests not an array", with(new LinkedHashMap<>(), "requests", request("a", 5)), "invalid_requests", "requests"),
                Arguments.of("metadata not an object", with(batchBody(List.of(request("a", 5)), null), "metadata", "x"),
                        "invalid_metadata", "metadata"),
                Arguments.of("17 metadata pairs", with(batchBody(List.of(request("a", 5)), null), "metadata", manyPairs),
                        "invalid_metadata", "metadata"),
                Arguments.of("a metadata number", with(batchBody(List.of(request("a", 5)), null), "metadata", Map.of("n", 1)),
                        "invalid_metadata", "metadata"),
                Arguments.of("a metadata key of 65", with(batchBody(List.of(request("a", 5)), null), "metadata", Map.of("k".repeat(65), "v")),
                        "invalid_metadata", "metadata"),
                Arguments.of("a metadata value of 513", with(batchBody(List.of(request("a", 5)), null), "metadata", Map.of("k", "v".repeat(513))),
                        "invalid_metadata", "metadata"),
                Arguments.of("a callback_url number", with(batchBody(List.of(request("a", 5)), null), "callback_url", 42),
                        "invalid_callback_url", "callback_url"),
                Arguments.of("an HTTP callback_url", batchBody(List.of(request("a", 5)), "http://hooks.example.com/x"),
                        "invalid_callback_url", "callback_url"),
                Arguments.of("a callback_url without host", batchBody(List.of(request("a", 5)), "https:///x"),
                        "invalid_callback_url", "callback_url"),
                Arguments.of("an internal callback_url", batchBody(List.of(request("a", 5)), "https://127.0.0.1/hook"),
                        "internal_callback_url", "callback_url"));
    }

    private static Map<String, Object> with(Map<String, Object> body, String name, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(body);
        changed.put(name, value);
        return changed;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedEnvelopes")
    void aBadEnvelopeIsRefusedWithItsCodeAndNothingIsKept(String name, Object body, String code, String param) {
        InvalidRequestException refused = catchThrowableOfType(InvalidRequestException.class,
                () -> rig.createBatch.create(OWNER, body, "key-1"));

        assertThat(refused).as(name).isNotNull();
        assertThat(refused.code()).isEqualTo(code);
        assertThat(refused.field()).isEqualTo(param);
        assertThat(rig.batchIds).isEmpty();
        assertThat(rig.batchWorkflow.started).isEmpty();
        assertThat(rig.batches.list(OWNER, 10, java.util.Optional.empty()).batches()).isEmpty();
        // The key was not claimed: the same key with a good body makes a batch.
        assertThat(rig.createBatch.create(OWNER, batchBody(List.of(request("a", 5)), null), "key-1").id()).isEqualTo(rig.batchIds.get(0));
    }

    @Test
    void theSameKeyAndBodyAnswerTheSameBatchAndAnotherBodyIsA409() {
        Map<String, Object> body = batchBody(List.of(request("a", 5), request("b", 3)), HOOK);

        Batch first = rig.createBatch.create(OWNER, body, "summer-1");
        Batch again = rig.createBatch.create(OWNER, new LinkedHashMap<>(body), "summer-1");

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(rig.batchWorkflow.started).containsExactly(first.id());
        assertThat(rig.batches.list(OWNER, 10, java.util.Optional.empty()).batches()).hasSize(1);

        ConflictException reused = catchThrowableOfType(ConflictException.class,
                () -> rig.createBatch.create(OWNER, batchBody(List.of(request("a", 5)), HOOK), "summer-1"));
        assertThat(reused.code()).isEqualTo("idempotency_key_reused");
        assertThat(rig.batchWorkflow.started).hasSize(1);

        rig.keys.create("team-b", null);
        Batch othersKey = rig.createBatch.create("team-b", body, "summer-1");
        assertThat(othersKey.id()).as("keys are per owner").isNotEqualTo(first.id());
        assertThat(rig.createBatch.create(OWNER, body, null).id()).as("no key, a new batch").isNotEqualTo(first.id());
    }

    @Test
    void aWorkflowThatCannotStartIsATransientFailureAndTheBatchEndsCancelled() {
        rig.batchWorkflow.failNextStarts(1);
        Map<String, Object> body = batchBody(List.of(request("a", 5), request("b", 3)), HOOK);

        TransientFailureException failed = catchThrowableOfType(TransientFailureException.class,
                () -> rig.createBatch.create(OWNER, body, "summer-1"));

        assertThat(failed.code()).isEqualTo("workflow_unavailable");
        String id = rig.batchIds.get(0);
        Batch cancelled = rig.batches.find(id).orElseThrow();
        assertThat(cancelled.status()).isEqualTo(BatchStatus.CANCELLED);
        assertThat(cancelled.counts()).isEqualTo(new RequestCounts(2, 0, 0, 0, 0, 2, 0));
        assertThat(cancelled.completedAt()).isNotNull();
        assertThat(rig.batchWorkflow.started).isEmpty();
        assertThat(rig.taskIds).isEmpty();

        Batch retried = rig.createBatch.create(OWNER, body, "summer-1");
        assertThat(retried.id()).as("the key was freed for the retry").isNotEqualTo(id);
        assertThat(rig.batchWorkflow.started).containsExactly(retried.id());
    }

    @Test
    void requestsThatCannotBeKeptFreeTheKeyAndMakeNoBatch() {
        rig.requests.unavailable = true;
        Map<String, Object> body = batchBody(List.of(request("a", 5)), null);

        assertThatThrownBy(() -> rig.createBatch.create(OWNER, body, "k")).isInstanceOf(TransientFailureException.class);
        assertThat(rig.batches.find(rig.batchIds.get(0))).isEmpty();
        assertThat(rig.batchWorkflow.started).isEmpty();

        rig.requests.unavailable = false;
        Batch batch = rig.createBatch.create(OWNER, body, "k");
        assertThat(rig.batchWorkflow.started).containsExactly(batch.id());
        assertThat(new ArrayList<>(rig.batchIds)).hasSize(2);
    }
}
