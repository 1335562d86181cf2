package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import dev.reelay.application.StartGenerationFromUpload;

import java.util.ArrayList;
import java.util.List;

/**
 * S3 trigger: each image put under {@code uploads/{key-name}/} starts a generation for that key.
 * A failure worth retrying is thrown, so that Lambda retries the (asynchronous) event; every
 * other outcome is handled and logged. Answers one line per record, for the logs.
 */
public final class StartGenerationFromUploadHandler implements RequestHandler<S3Event, List<String>> {
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
        for (StartGenerationFromUpload.ObjectCreated created : S3Records.objectsCreated(event)) {
            StartGenerationFromUpload.Outcome outcome = start.handle(created);
            outcomes.add(outcome.result() + " " + outcome.key() + (outcome.taskId() == null ? "" : " " + outcome.taskId())
                    + (outcome.errorCode() == null ? "" : " " + outcome.errorCode()));
        }
        return outcomes;
    }
}
