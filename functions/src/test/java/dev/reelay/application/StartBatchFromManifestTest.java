package dev.reelay.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.application.StartBatchFromManifest.Outcome;
import dev.reelay.application.StartBatchFromManifest.Result;
import dev.reelay.application.StartGenerationFromUpload.ObjectCreated;
import dev.reelay.domain.batch.Batch;
import dev.reelay.domain.batch.BatchEntry;
import dev.reelay.domain.task.Task;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.reelay.application.BatchRig.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;

/** A JSON Lines manifest under batches/{key-name}/ starts a batch for that key; the workflow submits its lines. */
class StartBatchFromManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FOLDER = "batches/default/summer 2026/";

    private final BatchRig rig = new BatchRig();

    private Outcome put(String key, String... lines) {
        rig.uploads.write(key, String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
        return rig.fromManifest.handle(new ObjectCreated(BUCKET, key.replace(" ", "+"), "etag-" + key.hashCode(), "00A1"));
    }

    private Map<String, Object> entryRefusal(String batchId, int index) {
        BatchEntry entry = rig.batches.entries(batchId).stream().filter(e -> e.index() == index).findFirst().orElseThrow();
        assertThat(entry.state()).isEqualTo(BatchEntry.State.REFUSED);
        return Map.of("code", entry.refusal().code(), "param", String.valueOf(entry.refusal().param()));
    }

    @Test
    void relativeImageNamesAreResolvedNextToTheManifestAndOwnS3ImagesKept() throws Exception {
        String own = "s3://" + BUCKET + "/batches/default/elsewhere/dog.png";
        rig.images.put("s3://" + BUCKET + "/" + FOLDER + "shots/cat.png", rig.images.get(BatchRig.IMAGE));
        rig.images.put(own, rig.images.get(BatchRig.IMAGE));

        Outcome outcome = put(FOLDER + "run.jsonl",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"a cat\",\"image_start\":\"shots/cat.png\",\"duration\":5}",
                "",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"a dog\",\"image_start\":\"" + own + "\",\"duration\":3}",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"a web image\",\"image_start\":\"" + BatchRig.IMAGE + "\"}");

        assertThat(outcome.result()).isEqualTo(Result.STARTED);
        assertThat(outcome.key()).isEqualTo(FOLDER + "run.jsonl");
        Batch batch = rig.batches.find(outcome.batchId()).orElseThrow();
        assertThat(batch.ownerKeyId()).isEqualTo("default");
        assertThat(batch.manifest()).isEqualTo("s3://" + BUCKET + "/" + FOLDER + "run.jsonl");
        assertThat(batch.counts().total()).as("blank lines are no requests").isEqualTo(3);
        assertThat(batch.callbackUrl()).isNull();
        assertThat(BatchRepresentation.summary(batch)).containsEntry("results", batch.manifest() + ".results.jsonl");
        List<Object> bodies = rig.requests.load(batch.id());
        assertThat(((Map<?, ?>) bodies.get(0)).get("image_start")).isEqualTo("s3://" + BUCKET + "/" + FOLDER + "shots/cat.png");
        assertThat(((Map<?, ?>) bodies.get(1)).get("image_start")).isEqualTo(own);
        assertThat(((Map<?, ?>) bodies.get(2)).get("image_start")).isEqualTo(BatchRig.IMAGE);
        assertThat(rig.batchWorkflow.started).containsExactly(batch.id());

        rig.advance.advance(batch.id(), 0);

        List<BatchEntry> entries = rig.batches.entries(batch.id());
        assertThat(entries).extracting(BatchEntry::state).containsOnly(BatchEntry.State.PENDING).hasSize(3);
        Task cat = rig.task(entries.get(0).taskId());
        assertThat(cat.request().imageStart()).isEqualTo("s3://" + BUCKET + "/" + FOLDER + "shots/cat.png");
        assertThat(cat.ownerKeyId()).isEqualTo("default");
        assertThat(cat.batchId()).isEqualTo(batch.id());
        assertThat(rig.fetched).contains(own);
    }

    @Test
    void brokenLinesAndImagesOfOtherOwnersAreRefusedByIndexAndTheRestGoOn() {
        rig.keys.create("team-b", null);
        Outcome outcome = put(FOLDER + "mixed.jsonl",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok\",\"image_start\":\"" + BatchRig.IMAGE + "\"}",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"not closed\"",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"theirs\",\"image_start\":\"s3://" + BUCKET + "/batches/team-b/cat.png\"}",
                "[1, 2]",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"up\",\"image_start\":\"../team-b/cat.png\"}",
                "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok too\",\"image_start\":\"" + BatchRig.IMAGE + "\"}");

        assertThat(outcome.result()).isEqualTo(Result.STARTED);
        String id = outcome.batchId();
        assertThat(entryRefusal(id, 1)).containsEntry("code", "invalid_json");
        assertThat(entryRefusal(id, 2)).containsEntry("code", "invalid_image_url").containsEntry("param", "image_start");
        assertThat(entryRefusal(id, 3)).containsEntry("code", "invalid_body");
        assertThat(entryRefusal(id, 4)).containsEntry("code", "invalid_image_url");
        assertThat(rig.batches.entries(id)).extracting(BatchEntry::index).containsExactly(1, 2, 3, 4);

        rig.advance.advance(id, 0);

        List<BatchEntry> entries = rig.batches.entries(id);
        assertThat(entries).extracting(BatchEntry::state).containsExactly(BatchEntry.State.PENDING, BatchEntry.State.REFUSED,
                BatchEntry.State.REFUSED, BatchEntry.State.REFUSED, BatchEntry.State.REFUSED, BatchEntry.State.PENDING);
        assertThat(rig.taskIds).hasSize(2);
        assertThat(rig.fetched).noneMatch(location -> location.contains("team-b"));
        assertThat(rig.batches.find(id).orElseThrow().counts().refused()).isEqualTo(4);
    }

    @Test
    void aRedeliveredEventFindsTheBatchTheFirstMade() {
        String line = "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok\",\"image_start\":\"" + BatchRig.IMAGE + "\"}";
        Outcome first = put(FOLDER + "run.jsonl", line);
        Outcome again = rig.fromManifest.handle(new ObjectCreated(BUCKET, (FOLDER + "run.jsonl").replace(" ", "+"), "etag", "00A1"));

        assertThat(again.result()).isEqualTo(Result.STARTED);
        assertThat(again.batchId()).isEqualTo(first.batchId());
        assertThat(rig.batchWorkflow.started).containsExactly(first.batchId());
    }

    @Test
    void resultsFilesOtherSuffixesAndOtherBucketsAreIgnored() {
        String line = "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok\",\"image_start\":\"" + BatchRig.IMAGE + "\"}";
        assertThat(put(FOLDER + "run.jsonl" + StartBatchFromManifest.RESULTS_SUFFIX, line).result()).isEqualTo(Result.IGNORED);
        assertThat(put(FOLDER + "run.json", line).result()).isEqualTo(Result.IGNORED);
        assertThat(rig.fromManifest.handle(new ObjectCreated("another-bucket", "batches/default/run.jsonl", "e", "1")).result())
                .isEqualTo(Result.IGNORED);
        assertThat(rig.batchIds).isEmpty();
        assertThat(rig.uploads.read(FOLDER + "run.jsonl.results.jsonl.error.json", 1024)).isEmpty();
    }

    @Test
    void aManifestOfAnUnknownOwnerGetsAnErrorFileAndNoBatch() throws Exception {
        String key = "batches/nobody/run.jsonl";
        Outcome outcome = put(key, "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok\",\"image_start\":\"" + BatchRig.IMAGE + "\"}");

        assertThat(outcome.result()).isEqualTo(Result.REJECTED);
        assertThat(outcome.errorCode()).isEqualTo("unknown_key_owner");
        JsonNode report = JSON.readTree(rig.uploads.read(key + ".error.json", 1 << 16).orElseThrow());
        assertThat(report.toString()).contains("unknown_key_owner").contains("s3://" + BUCKET + "/" + key);
        assertThat(rig.batchIds).isEmpty();
        assertThat(rig.batchWorkflow.started).isEmpty();
    }

    @Test
    void aRevokedOwnerAnEmptyManifestAndAKeyOutsideAnOwnersFolderAreRejected() {
        String line = "{\"model\":\"kling-v3-image-to-video\",\"prompt\":\"ok\",\"image_start\":\"" + BatchRig.IMAGE + "\"}";
        assertThat(put("batches/run.jsonl", line).errorCode()).isEqualTo("invalid_manifest_key");
        assertThat(put(FOLDER + "empty.jsonl", "", "  ").errorCode()).isEqualTo("invalid_requests");
        rig.keys.create("gone", null);
        rig.keys.revoke("gone");
        assertThat(put("batches/gone/run.jsonl", line).errorCode()).isEqualTo("key_revoked");
        assertThat(rig.uploads.read("batches/gone/run.jsonl.error.json", 1 << 16)).isPresent();
        assertThat(rig.batchIds).isEmpty();
    }
}
