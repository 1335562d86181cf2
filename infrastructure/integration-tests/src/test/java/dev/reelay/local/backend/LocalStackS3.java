package dev.reelay.local.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.local.engines.S3Engine;
import dev.reelay.local.engines.S3Notifications;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * LocalStack's S3, for the runtime. S3 event notifications come from LocalStack's S3 itself: the
 * first subscription to a bucket gives that bucket a notification configuration sending every
 * {@code s3:ObjectCreated:*} event to an SQS queue of LocalStack's, and a thread of this JVM
 * long-polls that queue and hands each event, as S3 wrote it, to the subscriptions whose filter
 * matches (prefix and suffixes, as the local S3 filters), one at a time. Limits, against AWS: the
 * filter runs here rather than in S3 (template.yaml's filter rules are not what LocalStack applies),
 * and the event goes through SQS and then the upload function's asynchronous invocation on the
 * local Lambda endpoint (its retries are the local ones), not straight from S3 to Lambda.
 */
final class LocalStackS3 implements S3Engine, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStackS3.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final S3Client client;
    private final S3Presigner presigner;
    private final SqsClient sqs;
    private final List<S3Notifications.Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, Thread> pollers = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    LocalStackS3(URI endpoint, String accessKey, String secretKey, Region region, SdkHttpClient http, SqsClient sqs) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.sqs = sqs;
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(true).build();
        this.client = S3Client.builder().httpClient(http).region(region).credentialsProvider(credentials)
                .endpointOverride(endpoint).serviceConfiguration(pathStyle).build();
        this.presigner = S3Presigner.builder().region(region).credentialsProvider(credentials)
                .endpointOverride(endpoint).serviceConfiguration(pathStyle).build();
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String accessKey() {
        return accessKey;
    }

    @Override
    public String secretKey() {
        return secretKey;
    }

    @Override
    public S3Client client() {
        return client;
    }

    @Override
    public S3Presigner presigner() {
        return presigner;
    }

    @Override
    public synchronized void subscribe(S3Notifications.Subscription subscription) {
        subscriptions.add(subscription);
        String bucket = subscription.bucket();
        if (pollers.containsKey(bucket)) {
            return;
        }
        String queueUrl = sqs.createQueue(c -> c.queueName(queueName(bucket))).queueUrl();
        String queueArn = sqs.getQueueAttributes(g -> g.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        client.putBucketNotificationConfiguration(put -> put.bucket(bucket).notificationConfiguration(n -> n
                .queueConfigurations(q -> q.id("reelay-object-created").queueArn(queueArn).events(Event.S3_OBJECT_CREATED))));
        Thread poller = new Thread(() -> poll(bucket, queueUrl), "localstack-s3-events-" + bucket);
        poller.setDaemon(true);
        poller.start();
        pollers.put(bucket, poller);
    }

    /** SQS queue names allow letters, digits, hyphens and underscores; bucket names may have dots. */
    static String queueName(String bucket) {
        return "reelay-s3-events-" + bucket.replace('.', '-');
    }

    private void poll(String bucket, String queueUrl) {
        while (running) {
            try {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
                        .messages();
                for (Message message : messages) {
                    dispatch(message.body().getBytes(StandardCharsets.UTF_8), subscriptions);
                    sqs.deleteMessage(d -> d.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("Reading the S3 events of {} from {} failed; trying again", bucket, queueUrl, e);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Hands one S3 event message (S3's JSON, {@code {"Records": [...]}}) to each subscription one of
     * its records matches, once; S3's {@code s3:TestEvent} and anything else without records to none.
     * A target that throws is logged, like a dropped delivery of the local S3.
     *
     * @return how many subscriptions got it
     */
    static int dispatch(byte[] body, List<S3Notifications.Subscription> subscriptions) {
        JsonNode event;
        try {
            event = JSON.readTree(body);
        } catch (IOException e) {
            LOG.warn("Not an S3 event: {}", new String(body, StandardCharsets.UTF_8));
            return 0;
        }
        Set<S3Notifications.Subscription> matching = new LinkedHashSet<>();
        for (JsonNode record : event.path("Records")) {
            String bucket = record.path("s3").path("bucket").path("name").asText();
            // S3 writes keys form-encoded (a space as '+'), as URLDecoder reads them.
            String key = URLDecoder.decode(record.path("s3").path("object").path("key").asText(), StandardCharsets.UTF_8);
            for (S3Notifications.Subscription subscription : subscriptions) {
                if (subscription.matches(bucket, key)) {
                    matching.add(subscription);
                }
            }
        }
        int delivered = 0;
        for (S3Notifications.Subscription subscription : matching) {
            try {
                subscription.target().accept(body);
                delivered++;
            } catch (RuntimeException e) {
                LOG.warn("The S3 event could not be delivered to {}", subscription.id(), e);
            }
        }
        return delivered;
    }

    @Override
    public void close() {
        running = false;
        for (Thread poller : pollers.values()) {
            try {
                poller.join(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        client.close();
        presigner.close();
    }
}
