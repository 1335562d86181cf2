package dev.reelay.domain.provider;

import dev.reelay.domain.provider.JobState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class VendorStatusTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"submitted,QUEUED", "pending,QUEUED", "queued,QUEUED", "processing,RUNNING", "in_progress,RUNNING",
            "succeed,SUCCEEDED", "succeeded,SUCCEEDED", "completed,SUCCEEDED", "SUCCESS,SUCCEEDED",
            "failed,FAILED", "failure,FAILED", "cancelled,CANCELLED", "canceled,CANCELLED"})
    void everySpellingMapsToOneLifecycle(String vendor, JobState state) {
        assertThat(VendorStatus.of(vendor)).contains(state);
    }

    @ParameterizedTest
    @CsvSource({"unknown", "''", "done-ish"})
    void anUnknownSpellingIsNotGuessed(String vendor) {
        assertThat(VendorStatus.of(vendor)).isEmpty();
    }
}
