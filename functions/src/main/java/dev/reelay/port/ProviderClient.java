package dev.reelay.port;

import java.io.InputStream;
import java.net.URI;

/** One video generation vendor, spoken to in its own dialect. */
public interface ProviderClient {

    /** The short name shown to users, e.g. {@code unified}. */
    String name();

    /**
     * Submits a job.
     *
     * @throws dev.reelay.domain.error.TransientFailureException when it is worth trying again
     * @throws dev.reelay.domain.error.PermanentFailureException when the vendor refused the job
     */
    Submission submit(ProviderJob job);

    /** The vendor's view of a job it accepted. */
    JobStatus query(String providerTaskId);

    /** Opens the finished video for streaming. The caller closes the stream. */
    VideoDownload download(URI videoUrl);

    /** A job in a vendor-neutral shape; image URLs are fetchable by the vendor. */
    record ProviderJob(String taskId, String model, String prompt, String negativePrompt, URI imageStart,
                       URI imageEnd, int durationSeconds, String quality, String sound, String aspectRatio) {
    }

    /** The vendor took the job: its id, and its own estimate of how long it will take. */
    record Submission(String providerTaskId, int estimatedSeconds) {
    }

    /** Where a job stands, in one lifecycle whatever the vendor's spelling. */
    record JobStatus(State state, int progress, URI videoUrl, String failureMessage) {
        public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }
    }

    /** A video being downloaded; {@code contentLength} is -1 when the vendor sent none. */
    record VideoDownload(InputStream body, long contentLength) {
    }
}
