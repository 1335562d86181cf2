package dev.reelay.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import dev.reelay.application.StartBatchFromManifest;

import java.util.ArrayList;
import java.util.List;

/**
 * S3 trigger: each JSON Lines manifest put under {@code batches/{key-name}/} starts a batch for
 * that key. A failure worth retrying is thrown, so that Lambda retries the (asynchronous) event.
 * Answers one line per record, for the logs.
 */
public final class StartBatchFromManifestHandler implements RequestHandler<S3Event, List<String>> {
    private final StartBatchFromManifest start;

    public StartBatchFromManifestHandler() {
        this(AwsFunctions.WIRING.startBatchFromManifest());
    }

    public StartBatchFromManifestHandler(StartBatchFromManifest start) {
        this.start = start;
    }

    @Override
    public List<String> handleRequest(S3Event event, Context context) {
        try (InvocationLog log = InvocationLog.open(context, this)) {
            List<String> outcomes = new ArrayList<>();
            S3Records.objectsCreated(event).forEach(created -> {
                StartBatchFromManifest.Outcome outcome = start.handle(created);
                outcomes.add(outcome.result() + " " + outcome.key() + (outcome.batchId() == null ? "" : " " + outcome.batchId())
                        + (outcome.errorCode() == null ? "" : " " + outcome.errorCode()));
            });
            return outcomes;
        }
    }
}
