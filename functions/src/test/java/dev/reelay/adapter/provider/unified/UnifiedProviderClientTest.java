package dev.reelay.adapter.provider.unified;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.domain.provider.JobState;
import dev.reelay.adapter.provider.gateway.FakeVendor;
import dev.reelay.domain.provider.ProviderErrorKind;
import dev.reelay.domain.provider.ProviderException;
import dev.reelay.port.ProviderClient.JobStatus;
import dev.reelay.port.ProviderClient.ProviderJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/** The unified aggregator's client against a fake aggregator: paths under a base URL's prefix, statuses, errors. */
class UnifiedProviderClientTest {
    private final FakeVendor vendor = new FakeVendor();

    @AfterEach
    void stop() {
        vendor.close();
    }

    private UnifiedProviderClient client(URI baseUrl) {
        return new UnifiedProviderClient(FakeVendor.HTTP, baseUrl, () -> "sk-unified", new ObjectMapper());
    }

    private URI prefixed() {
        return URI.create(vendor.base() + "/prefix");
    }

    @Test
    void aBaseUrlsPathPrefixIsKeptOnEveryCall() {
        vendor.answer(200, "{\"id\":\"task-unified-1\",\"status\":\"pending\",\"task_info\":{\"estimated_time\":90}}")
                .answer(200, "{\"id\":\"task-unified-1\",\"status\":\"processing\",\"progress\":40}")
                .answer(200, "{\"id\":\"task-unified-1\",\"status\":\"cancelled\"}");
        UnifiedProviderClient client = client(prefixed());

        assertThat(client.submit(new ProviderJob(null, "kling-v3-text-to-video", "waves", null, null, null, 5, "720p", "off",
                "16:9", null, Map.of())).estimatedSeconds()).isEqualTo(90);
        assertThat(client.query("task-unified-1").progress()).isEqualTo(40);
        assertThat(client.cancel("task-unified-1")).isTrue();
        assertThat(vendor.requests()).extracting(FakeVendor.Request::path).containsExactly(
                "/prefix/v1/videos/generations", "/prefix/v1/tasks/task-unified-1", "/prefix/v1/tasks/task-unified-1/cancel");
    }

    @Test
    void aTrailingSlashOnTheBaseUrlMakesNoDoubleSlash() {
        vendor.answer(200, "{\"id\":\"t\",\"status\":\"processing\"}");

        client(URI.create(prefixed() + "/")).query("t");
        assertThat(vendor.request().path()).isEqualTo("/prefix/v1/tasks/t");
    }

    @Test
    void aCompletedTaskGivesItsFirstResultAndAFailureWithoutReasonIsWordedAsBefore() {
        vendor.answer(200, "{\"id\":\"t\",\"status\":\"completed\",\"results\":[\"https://cdn.example/t.mp4\"]}")
                .answer(200, "{\"id\":\"u\",\"status\":\"failed\",\"progress\":70}")
                .answer(200, "{\"id\":\"v\",\"status\":\"failed\",\"error\":{\"message\":\"content blocked\"}}");
        UnifiedProviderClient client = client(vendor.base());

        assertThat(client.query("t").videoUrl()).hasToString("https://cdn.example/t.mp4");
        assertThat(client.query("u")).isEqualTo(new JobStatus(JobState.FAILED, 70, null, "The provider reported the task failed."));
        assertThat(client.query("v").failureMessage()).isEqualTo("content blocked");
    }

    @Test
    void anErrorEnvelopeIsClassifiedAndAProxysHtmlPageIsAnUnavailableVendor() {
        vendor.answer(402, "{\"error\":{\"code\":\"insufficient_quota\",\"message\":\"top up\",\"type\":\"billing\"}}")
                .answer(502, "<html><body>Bad gateway</body></html>");
        UnifiedProviderClient client = client(vendor.base());

        assertThatThrownBy(() -> client.query("t")).asInstanceOf(type(ProviderException.class)).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(ProviderErrorKind.QUOTA);
            assertThat(e.vendorCode()).isEqualTo("insufficient_quota");
        });
        assertThatThrownBy(() -> client.query("t")).asInstanceOf(type(ProviderException.class))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(ProviderErrorKind.PROVIDER_UNAVAILABLE));
    }
}
