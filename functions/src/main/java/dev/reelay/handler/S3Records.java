package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import dev.reelay.application.StartGenerationFromUpload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** The object-created records of an S3 event, as the S3 triggers (uploads and batch manifests) take them. */
final class S3Records {
    private static final Logger LOG = LoggerFactory.getLogger(S3Records.class);

    private S3Records() {
    }

    static List<StartGenerationFromUpload.ObjectCreated> objectsCreated(S3Event event) {
        List<StartGenerationFromUpload.ObjectCreated> created = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            LOG.info("An S3 event without records (such as s3:TestEvent): nothing to do");
            return created;
        }
        for (S3EventNotificationRecord record : event.getRecords()) {
            if (record.getEventName() == null || !record.getEventName().startsWith("ObjectCreated:")) {
                LOG.info("Ignored S3 event {}", record.getEventName());
                continue;
            }
            S3ObjectEntity object = record.getS3().getObject();
            created.add(new StartGenerationFromUpload.ObjectCreated(record.getS3().getBucket().getName(), object.getKey(),
                    object.geteTag(), object.getSequencer()));
        }
        return created;
    }
}
