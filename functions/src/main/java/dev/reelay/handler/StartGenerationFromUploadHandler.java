package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import dev.reelay.application.StartGenerationFromUpload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * S3 trigger: each image put under {@code uploads/{key-name}/} starts a generation for that key.
 * A failure worth retrying is thrown, so that Lambda retries the (asynchronous) event; every
 * other outcome is handled and logged. Answers one line per record, for the logs.
 */
public final class StartGenerationFromUploadHandler implements RequestHandler<S3Event, List<String>> {
    private static final Logger LOG = LoggerFactory.getLogger(StartGenerationFromUploadHandler.class);
    private final StartGenerationFromUpload start;

    public StartGenerationFromUploadHandler() {
        this(AwsFunctions.WIRING.startGenerationFromUpload());
    }

    public StartGenerationFromUploadHandler(StartGenerationFromUpload start) {
        this.start = start;
    }

    @Override
    public List<String> handleRequest(S3Event event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            return handle(event);
        }
    }

    private List<String> handle(S3Event event) {
        List<String> outcomes = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            LOG.info("An S3 event without records (such as s3:TestEvent): nothing to do");
            return outcomes;
        }
        for (S3EventNotificationRecord record : event.getRecords()) {
            if (record.getEventName() == null || !record.getEventName().startsWith("ObjectCreated:")) {
                LOG.info("Ignored S3 event {}", record.getEventName());
                continue;
            }
            S3ObjectEntity object = record.getS3().getObject();
            StartGenerationFromUpload.Outcome outcome = start.handle(new StartGenerationFromUpload.ObjectCreated(
                    record.getS3().getBucket().getName(), object.getKey(), object.geteTag(), object.getSequencer()));
            outcomes.add(outcome.result() + " " + outcome.key() + (outcome.taskId() == null ? "" : " " + outcome.taskId())
                    + (outcome.errorCode() == null ? "" : " " + outcome.errorCode()));
        }
        return outcomes;
    }
}
