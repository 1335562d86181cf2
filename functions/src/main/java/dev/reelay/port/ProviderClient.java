package dev.reelay.port;

import dev.reelay.domain.provider.JobState;

import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One video generation vendor, spoken to in its own dialect. Every failure is a
 * {@link dev.reelay.domain.provider.ProviderException} with its kind.
 */
public interface ProviderClient {

    /** The short name shown to users: {@code kling}, {@code unified}, {@code apimart} or {@code gateway}. */
    String name();

    /** Submits a job; the vendor's task id and estimate come back. */
    Submission submit(ProviderJob job);

    /**
     * Finds a job submitted earlier under {@code externalTaskId}, for vendors that accept one, so a
     * retried submission reuses it instead of paying twice. Empty when there is none, or the vendor
     * has no such lookup.
     */
    default Optional<Submission> findByExternalTaskId(String externalTaskId) {
        return Optional.empty();
    }

    /**
     * Whether {@link #findByExternalTaskId} really asks the vendor, so that "not found" means the
     * vendor has no such job: only then may a submission whose answer was lost be made again.
     */
    default boolean findsJobsByExternalTaskId() {
        return false;
    }

    /** The vendor's view of a job it accepted. */
    JobStatus query(String providerTaskId);

    /** Cancels a job where the vendor allows it; false when it has no cancel. */
    default boolean cancel(String providerTaskId) {
        return false;
    }

    /** Opens the finished video for streaming. The caller closes the stream. */
    VideoDownload download(URI videoUrl);

    /** Reads a callback body the vendor posted; empty when it is not one of this vendor's callbacks. */
    Optional<CallbackReport> parseCallback(byte[] body);

    /**
     * An input image: a URL the vendor can fetch, and its bytes on demand for vendors that take
     * images inline (base64) when the URL is not reachable from the outside.
     */
    record ProviderImage(URI url, Supplier<byte[]> content) {
    }

    /**
     * A job in a vendor-neutral shape. {@code model} is Reelay's public model id
     * ({@code kling-v3-image-to-video} or {@code kling-v3-text-to-video}); {@code quality} is
     * {@code 720p}/{@code 1080p}/{@code 4k}; {@code sound} is {@code on}/{@code off};
     * {@code modelParams} holds the public API's advanced parameters by their public names
     * ({@code multi_shot}, {@code shot_type}, {@code multi_prompt}, {@code element_list},
     * {@code voice_list}, {@code camera_control}, {@code static_mask}, {@code dynamic_masks},
     * {@code cfg_scale}, {@code watermark_info}, {@code subjects}; docs/api.md), empty when none are given.
     * {@code externalTaskId} is Reelay's task id; {@code callbackUrl} may be null.
     */
    record ProviderJob(String externalTaskId, String model, String prompt, String negativePrompt,
                       ProviderImage imageStart, ProviderImage imageEnd, int durationSeconds, String quality,
                       String sound, String aspectRatio, URI callbackUrl, Map<String, Object> modelParams) {
        public ProviderJob {
            modelParams = modelParams == null ? Map.of() : Map.copyOf(modelParams);
        }
    }

    /** The vendor took the job: its id, and its own estimate (seconds, 0 when it gives none). */
    record Submission(String providerTaskId, int estimatedSeconds) {
    }

    /** Where a job stands, in one lifecycle whatever the vendor's spelling. */
    record JobStatus(JobState state, int progress, URI videoUrl, String failureMessage) {
        public boolean isFinal() {
            return state.isFinal();
        }
    }

    /** What a vendor's callback says about one of its jobs. */
    record CallbackReport(String providerTaskId, JobStatus status) {
    }

    /** A video being downloaded; {@code contentLength} is -1 when the vendor sent none. */
    record VideoDownload(InputStream body, long contentLength) {
    }
}
