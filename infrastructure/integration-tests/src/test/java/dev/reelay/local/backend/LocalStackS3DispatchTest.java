package dev.reelay.local.backend;

import dev.reelay.local.engines.S3Notifications;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** How the LocalStack S3 hands the events S3 sent to SQS to the runtime's subscriptions (no Docker needed). */
class LocalStackS3DispatchTest {
    private final List<String> uploads = new CopyOnWriteArrayList<>();
    private final List<String> redeliveries = new CopyOnWriteArrayList<>();
    private final List<S3Notifications.Subscription> subscriptions = List.of(
            new S3Notifications.Subscription("S3UploadFunction", "reelay-uploads", "uploads/", List.of(".jpg", ".jpeg", ".png"),
                    body -> uploads.add(new String(body, StandardCharsets.UTF_8))),
            new S3Notifications.Subscription("redelivery", "reelay-uploads", "uploads/default/redelivery/", List.of(".jpg"),
                    body -> redeliveries.add(new String(body, StandardCharsets.UTF_8))));

    @Test
    void anEventGoesAsS3WroteItToEachSubscriptionItsDecodedKeyMatches() {
        String event = event("reelay-uploads", "uploads/default/redelivery/beach+at+d%C3%A9j%C3%A0.jpg");

        assertThat(LocalStackS3.dispatch(bytes(event), subscriptions)).isEqualTo(2);

        assertThat(uploads).containsExactly(event);
        assertThat(redeliveries).containsExactly(event);
    }

    @Test
    void theFiltersAreTheLocalS3s() {
        assertThat(LocalStackS3.dispatch(bytes(event("reelay-uploads", "uploads/default/notes.txt")), subscriptions)).isZero();
        assertThat(LocalStackS3.dispatch(bytes(event("reelay-uploads", "elsewhere/a.jpg")), subscriptions)).isZero();
        assertThat(LocalStackS3.dispatch(bytes(event("reelay-archive", "uploads/default/a.jpg")), subscriptions)).isZero();
        assertThat(LocalStackS3.dispatch(bytes(event("reelay-uploads", "uploads/default/a.JPG")), subscriptions)).isZero();
        assertThat(LocalStackS3.dispatch(bytes(event("reelay-uploads", "uploads/default/a.png")), subscriptions)).isEqualTo(1);
        assertThat(uploads).hasSize(1);
        assertThat(redeliveries).isEmpty();
    }

    @Test
    void s3sTestEventAndGarbageGoNowhere() {
        String testEvent = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-01-01T00:00:00.000Z\","
                + "\"Bucket\":\"reelay-uploads\",\"RequestId\":\"1\",\"HostId\":\"2\"}";

        assertThat(LocalStackS3.dispatch(bytes(testEvent), subscriptions)).isZero();
        assertThat(LocalStackS3.dispatch(bytes("not json"), subscriptions)).isZero();
        assertThat(uploads).isEmpty();
    }

    @Test
    void aFailingTargetDoesNotKeepTheEventFromTheOthers() {
        List<S3Notifications.Subscription> withAFailure = List.of(
                new S3Notifications.Subscription("broken", "reelay-uploads", "uploads/", List.of(), body -> {
                    throw new IllegalStateException("down");
                }),
                subscriptions.get(0));

        assertThat(LocalStackS3.dispatch(bytes(event("reelay-uploads", "uploads/default/a.jpg")), withAFailure)).isEqualTo(1);
        assertThat(uploads).hasSize(1);
    }

    @Test
    void queueNamesAreValidForAnyBucketName() {
        assertThat(LocalStackS3.queueName("reelay.uploads.example")).isEqualTo("reelay-s3-events-reelay-uploads-example");
    }

    /** An ObjectCreated:Put record as S3 (and LocalStack's S3) sends it to SQS. */
    private static String event(String bucket, String encodedKey) {
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"2026-01-01T00:00:00.000Z\",\"eventName\":\"ObjectCreated:Put\","
                + "\"userIdentity\":{\"principalId\":\"AIDAJDPLRKLG7UEXAMPLE\"},\"requestParameters\":{\"sourceIPAddress\":\"127.0.0.1\"},"
                + "\"responseElements\":{\"x-amz-request-id\":\"1\",\"x-amz-id-2\":\"2\"},\"s3\":{\"s3SchemaVersion\":\"1.0\","
                + "\"configurationId\":\"reelay-object-created\",\"bucket\":{\"name\":\"" + bucket + "\",\"ownerIdentity\":"
                + "{\"principalId\":\"A3NL1KOZZKExample\"},\"arn\":\"arn:aws:s3:::" + bucket + "\"},\"object\":{\"key\":\""
                + encodedKey + "\",\"size\":1024,\"eTag\":\"d41d8cd98f00b204e9800998ecf8427e\",\"sequencer\":\"0055AED6DCD90281E5\"}}}]}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
