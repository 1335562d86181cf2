package dev.reelay.domain.apikey;

import dev.reelay.domain.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules for what a key carries: here its own cap on concurrent vendor slots. */
class ApiKeySecretsTest {

    @Test
    void aConcurrencyCapIsAWholeNumberOfAtLeastOne() {
        assertThat(ApiKeySecrets.checkMaxConcurrency(null)).isEqualTo(OptionalInt.empty());
        assertThat(ApiKeySecrets.checkMaxConcurrency(1)).isEqualTo(OptionalInt.of(1));
        assertThat(ApiKeySecrets.checkMaxConcurrency(40)).isEqualTo(OptionalInt.of(40));
        for (int refused : new int[]{0, -1}) {
            assertThatThrownBy(() -> ApiKeySecrets.checkMaxConcurrency(refused)).as("%d", refused)
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("max_concurrency");
                        assertThat(e.code()).isEqualTo("invalid_max_concurrency");
                    });
        }
    }
}
