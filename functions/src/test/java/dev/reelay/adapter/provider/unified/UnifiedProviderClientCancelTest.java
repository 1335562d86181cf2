package dev.reelay.adapter.provider.unified;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.adapter.provider.AssumedCancel;
import dev.reelay.adapter.provider.gateway.FakeVendor;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/** The unified aggregator's ASSUMED cancel endpoint, read tolerantly (see {@link AssumedCancel}), against a fake aggregator. */
class UnifiedProviderClientCancelTest {
    private final FakeVendor vendor = new FakeVendor();
    private final UnifiedProviderClient client = new UnifiedProviderClient(FakeVendor.HTTP, vendor.base(), () -> "sk-unified", new ObjectMapper());

    @AfterEach
    void stop() {
        vendor.close();
    }

    @Test
    void aConfirmedCancelIsTrueAndIsTheAssumedBearerPost() {
        vendor.answer(200, "{\"id\":\"task-unified-1\",\"object\":\"video.generation.task\",\"status\":\"cancelled\",\"progress\":40,"
                + "\"task_info\":{\"can_cancel\":false}}");

        assertThat(client.cancel("task-unified-1")).isTrue();
        assertThat(vendor.request().method()).isEqualTo("POST");
        assertThat(vendor.request().path()).isEqualTo("/v1/tasks/task-unified-1/cancel");
        assertThat(vendor.request().authorization()).isEqualTo("Bearer sk-unified");
    }

    @ParameterizedTest(name = "{0} {1} → cancelled: {2}")
    @CsvSource(delimiter = '|', value = {
            "200|{\"id\":\"t\",\"status\":\"processing\"}|false",
            "200|{}|true",
            "404|{\"error\":{\"code\":\"not_found\",\"message\":\"no route\"}}|false",
            "405|{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"no\"}}|false"})
    void answersWithoutAQuery(int status, String body, boolean cancelled) {
        vendor.answer(status, body);

        assertThat(client.cancel("t")).isEqualTo(cancelled);
        assertThat(vendor.requests()).hasSize(1);
    }

    @Test
    void notCancellableAsksWhereTheTaskStands() {
        vendor.answer(400, "{\"error\":{\"code\":\"task_not_cancellable\",\"message\":\"Task t is already completed\"}}")
                .answer(200, "{\"id\":\"t\",\"status\":\"completed\",\"results\":[\"https://cdn.example/t.mp4\"]}");

        assertThat(client.cancel("t")).isFalse();
        assertThat(vendor.requests()).extracting(FakeVendor.Request::path).containsExactly("/v1/tasks/t/cancel", "/v1/tasks/t");
    }

    @Test
    void aRateLimitIsThrownClassifiedAndRetryable() {
        vendor.answer(429, "{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}}");

        assertThatThrownBy(() -> client.cancel("t")).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(ProviderErrorKind.RATE_LIMITED);
                    assertThat(e.retryable()).isTrue();
                });
    }
}
