package dev.reelay.domain.provider;

/** Where a job stands at its vendor, in one lifecycle whatever the vendor's spelling ({@link VendorStatus}). */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** The vendor is done with the job: it will neither run it further nor charge more for it. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
