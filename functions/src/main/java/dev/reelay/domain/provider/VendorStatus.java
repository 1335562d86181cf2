package dev.reelay.domain.provider;

import java.util.Locale;
import java.util.Optional;

/** Every vendor's spelling of a job's status, mapped to one lifecycle. */
public final class VendorStatus {
    private VendorStatus() {
    }

    /** Empty for a spelling no vendor is known to use. */
    public static Optional<JobState> of(String vendorStatus) {
        if (vendorStatus == null) {
            return Optional.empty();
        }
        return switch (vendorStatus.trim().toLowerCase(Locale.ROOT)) {
            case "submitted", "pending", "queued", "queueing", "waiting", "not_start", "not_started", "created" -> Optional.of(JobState.QUEUED);
            case "processing", "running", "in_progress", "generating" -> Optional.of(JobState.RUNNING);
            case "succeed", "succeeded", "success", "completed", "complete", "finished", "done" -> Optional.of(JobState.SUCCEEDED);
            case "failed", "failure", "fail", "error" -> Optional.of(JobState.FAILED);
            case "cancelled", "canceled" -> Optional.of(JobState.CANCELLED);
            default -> Optional.empty();
        };
    }
}
