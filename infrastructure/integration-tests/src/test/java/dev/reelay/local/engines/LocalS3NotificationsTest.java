package dev.reelay.local.engines;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local S3's event notifications, with the real s3proxy and real clients: each object
 * written that the filter matches raises exactly one event of AWS's shape; nothing else does.
 * "No event" is proved without sleeping: events are delivered in the order of the writes, so
 * after writes that must raise none, the next event must be a marker's.
 */
class LocalS3NotificationsTest {
    private static final String UPLOADS = "reelay-uploads";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalS3 s3;
    private static final BlockingQueue<byte[]> events = new LinkedBlockingQueue<>();

    @TempDir
    static Path files;

    @BeforeAll
    static void start() {
        s3 = LocalS3.start(null);
        s3.createBucket(UPLOADS);
        s3.createBucket("another-bucket");
        s3.subscribe(new S3Notifications.Subscription("S3UploadFunction", UPLOADS, "uploads/", List.of(".jpg", ".jpeg", ".png"),
                events::add));
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void drain() {
        events.clear();
    }

    @Test
    void aPutUnderThePrefixRaisesOneEventOfAwssShape() throws Exception {
        byte[] image = "pretend jpeg bytes".getBytes(StandardCharsets.UTF_8);
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/a.jpg"), RequestBody.fromBytes(image));

        JsonNode record = next().path("Records").get(0);
        HeadObjectResponse head = s3.client().headObject(h -> h.bucket(UPLOADS).key("uploads/x/a.jpg"));
        assertThat(record.path("eventVersion").asText()).isEqualTo("2.1");
        assertThat(record.path("eventSource").asText()).isEqualTo("aws:s3");
        assertThat(record.path("awsRegion").asText()).isEqualTo("us-east-1");
        assertThat(record.path("eventName").asText()).isEqualTo("ObjectCreated:Put");
        assertThat(record.path("eventTime").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z");
        JsonNode entity = record.path("s3");
        assertThat(entity.path("s3SchemaVersion").asText()).isEqualTo("1.0");
        assertThat(entity.path("configurationId").asText()).isEqualTo("S3UploadFunction");
        assertThat(entity.path("bucket").path("name").asText()).isEqualTo(UPLOADS);
        assertThat(entity.path("bucket").path("arn").asText()).isEqualTo("arn:aws:s3:::" + UPLOADS);
        assertThat(entity.path("object").path("key").asText()).isEqualTo("uploads/x/a.jpg");
        assertThat(entity.path("object").path("size").asLong()).isEqualTo(image.length);
        assertThat(entity.path("object").path("eTag").asText()).isEqualTo(head.eTag().replace("\"", "")).doesNotContain("\"");
        assertThat(entity.path("object").path("sequencer").asText()).matches("[0-9A-F]{18}");
        assertNoMoreEvents();
    }

    @Test
    void keysAreUrlEncodedAndTheEventReadsAsTheRuntimesS3Event() throws Exception {
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/my photo+1 é.png"), RequestBody.fromString("png"));

        byte[] event = events.poll(5, TimeUnit.SECONDS);
        assertThat(event).isNotNull();
        S3Event parsed = LambdaEventSerializers.serializerFor(S3Event.class, getClass().getClassLoader())
                .fromJson(new ByteArrayInputStream(event));
        S3EventNotificationRecord record = parsed.getRecords().get(0);
        assertThat(record.getS3().getObject().getKey()).isEqualTo("uploads/x/my+photo%2B1+%C3%A9.png");
        assertThat(record.getS3().getObject().getUrlDecodedKey()).isEqualTo("uploads/x/my photo+1 é.png");
        assertThat(record.getS3().getObject().getSizeAsLong()).isEqualTo(3);
        assertThat(record.getS3().getBucket().getName()).isEqualTo(UPLOADS);
        assertThat(record.getEventName()).isEqualTo("ObjectCreated:Put");
    }

    @Test
    void writesOutsideTheFilterRaiseNothing() throws Exception {
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/a.jpg.json"), RequestBody.fromString("{}"));
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/a.jpg.error.json"), RequestBody.fromString("{}"));
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/a.JPG"), RequestBody.fromString("case-sensitive, as in S3"));
        s3.client().putObject(p -> p.bucket(UPLOADS).key("inputs/task-1/image_start.jpeg"), RequestBody.fromString("x"));
        s3.client().putObject(p -> p.bucket("another-bucket").key("uploads/x/a.jpg"), RequestBody.fromString("x"));
        s3.client().deleteObject(d -> d.bucket(UPLOADS).key("uploads/x/a.jpg.json"));

        assertNoMoreEvents();
    }

    @Test
    void aMultipartUploadRaisesOneEventWhenItCompletes() throws Exception {
        String key = "uploads/x/big.jpeg";
        String uploadId = s3.client().createMultipartUpload(c -> c.bucket(UPLOADS).key(key)).uploadId();
        byte[] first = new byte[5 * 1024 * 1024];
        Arrays.fill(first, (byte) 7);
        byte[] second = "the end".getBytes(StandardCharsets.UTF_8);
        List<CompletedPart> parts = new ArrayList<>();
        int number = 1;
        for (byte[] part : List.of(first, second)) {
            int partNumber = number++;
            String eTag = s3.client().uploadPart(u -> u.bucket(UPLOADS).key(key).uploadId(uploadId).partNumber(partNumber),
                    RequestBody.fromBytes(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
        }
        assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("no event before the upload completes").isNull();

        s3.client().completeMultipartUpload(c -> c.bucket(UPLOADS).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));

        JsonNode record = next().path("Records").get(0);
        assertThat(record.path("eventName").asText()).isEqualTo("ObjectCreated:CompleteMultipartUpload");
        assertThat(record.path("s3").path("object").path("key").asText()).isEqualTo(key);
        assertThat(record.path("s3").path("object").path("size").asLong()).isEqualTo(first.length + second.length);
        assertNoMoreEvents();
    }

    @Test
    void aCopyIntoThePrefixRaisesACopyEvent() throws Exception {
        s3.client().putObject(p -> p.bucket("another-bucket").key("library/cat.png"), RequestBody.fromString("cat"));

        s3.client().copyObject(c -> c.sourceBucket("another-bucket").sourceKey("library/cat.png")
                .destinationBucket(UPLOADS).destinationKey("uploads/x/cat.png"));

        JsonNode record = next().path("Records").get(0);
        assertThat(record.path("eventName").asText()).isEqualTo("ObjectCreated:Copy");
        assertThat(record.path("s3").path("object").path("key").asText()).isEqualTo("uploads/x/cat.png");
        assertThat(record.path("s3").path("object").path("size").asLong()).isEqualTo(3);
        assertNoMoreEvents();
    }

    @Test
    void sequencersRiseFromOneWriteToTheNext() throws Exception {
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/same.jpg"), RequestBody.fromString("one"));
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/same.jpg"), RequestBody.fromString("two"));

        String first = next().path("Records").get(0).path("s3").path("object").path("sequencer").asText();
        String second = next().path("Records").get(0).path("s3").path("object").path("sequencer").asText();
        assertThat(second).isGreaterThan(first);
    }

    /**
     * The local S3's own client sends plain signed bodies: with aws-chunked ones, s3proxy dropped
     * connections and the SDK's retries stored some objects twice (so two events), or failed.
     */
    @Test
    void aBurstOfPutsRaisesExactlyOneEventEach() throws Exception {
        int puts = 300;
        for (int i = 0; i < puts; i++) {
            int n = i;
            s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/burst/" + n + ".png"), RequestBody.fromString("burst " + n));
        }

        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < puts; i++) {
            assertThat(keys.add(next().path("Records").get(0).path("s3").path("object").path("key").asText()))
                    .as("one event per put").isTrue();
        }
        assertThat(keys).hasSize(puts);
        assertNoMoreEvents();
    }

    /** The documented command: curl's own SigV4 signing, a PUT of a file, metadata in an x-amz-meta- header. */
    @Test
    void curlWithAwsSigv4PutsAnImageWithMetadataAndRaisesTheEvent() throws Exception {
        Assumptions.assumeTrue(curlSupportsSigv4(), "curl with --aws-sigv4 (7.75 or later) is not installed");
        Path image = Files.write(files.resolve("cat.jpg"), "pretend jpeg".getBytes(StandardCharsets.UTF_8));
        Process curl = new ProcessBuilder("curl", "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
                "--user", s3.accessKey() + ":" + s3.secretKey(), "-T", image.toString(),
                s3.endpoint() + "/" + UPLOADS + "/uploads/default/cat.jpg", "-H", "x-amz-meta-prompt: waves", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD")
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();

        JsonNode record = next().path("Records").get(0);
        assertThat(record.path("s3").path("object").path("key").asText()).isEqualTo("uploads/default/cat.jpg");
        assertThat(record.path("s3").path("object").path("size").asLong()).isEqualTo(Files.size(image));
        assertThat(s3.client().headObject(h -> h.bucket(UPLOADS).key("uploads/default/cat.jpg")).metadata())
                .isEqualTo(Map.of("prompt", "waves"));
    }

    static boolean curlSupportsSigv4() {
        try {
            Process version = new ProcessBuilder("curl", "--help", "all").redirectErrorStream(true).start();
            String help = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return version.waitFor() == 0 && help.contains("--aws-sigv4");
        } catch (Exception notInstalled) {
            return false;
        }
    }

    private static JsonNode next() throws Exception {
        byte[] event = events.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("an S3 event within 5 s").isNotNull();
        return JSON.readTree(event);
    }

    /** A marker write; the next event must be the marker's, so nothing was raised before it. */
    private static void assertNoMoreEvents() throws Exception {
        s3.client().putObject(p -> p.bucket(UPLOADS).key("uploads/x/marker.png"), RequestBody.fromString("marker"));
        JsonNode record = next().path("Records").get(0);
        assertThat(record.path("s3").path("object").path("key").asText()).isEqualTo("uploads/x/marker.png");
        assertThat(events).isEmpty();
    }
}
