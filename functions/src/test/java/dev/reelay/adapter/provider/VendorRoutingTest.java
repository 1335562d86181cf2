package dev.reelay.adapter.provider;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Routing over the real vendors' definitions, at their default prices: who serves what, and what is refused. */
class VendorRoutingTest {
    private static final GenerationRequestParser PARSER = new GenerationRequestParser();
    private final ProviderTable all = new ProviderTable(Vendors.ALL.stream()
            .map(vendor -> vendor.profile(URI.create("https://" + vendor.name() + ".test"))).toList());

    private static ProviderTable unifiedOnly() {
        return new ProviderTable(List.of(Vendors.named("unified").profile(URI.create("https://u.test"))));
    }

    private static GenerationRequest request(Quality quality, Sound sound, String imageEnd, String provider) {
        return new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null, "https://x.test/a.jpg", imageEnd,
                5, quality, sound, null, provider, null, null, null);
    }

    @Test
    void listsCapableVendorsCheapestFirstWithTheirOwnPrices() {
        List<ProviderTable.Candidate> candidates = all.candidates(request(Quality.P720, Sound.OFF, null, null));
        assertThat(candidates).extracting(ProviderTable.Candidate::name).containsExactly("unified", "apimart", "kling", "gateway");
        assertThat(candidates.get(0).quote().costUsd()).isEqualByComparingTo("0.375");
    }

    @Test
    void onlyVendorsWithTheNeededCapabilitiesServeARequest() {
        assertThat(all.candidates(request(Quality.P4K, Sound.OFF, null, null)))
                .extracting(ProviderTable.Candidate::name).containsExactly("apimart");
    }

    @Test
    void aPinnedVendorIsTheOnlyCandidate() {
        assertThat(all.candidates(request(Quality.P1080, Sound.ON, "https://x.test/b.png", "kling")))
                .extracting(ProviderTable.Candidate::name).containsExactly("kling");
    }

    @Test
    void aRequestNoVendorCanServeIsRefusedNamingWhatIsMissing() {
        assertThatThrownBy(() -> unifiedOnly().candidates(request(Quality.P4K, Sound.OFF, null, null)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("quality");
                    assertThat(e.getMessage()).contains("unified lacks quality_4k");
                });
    }

    @Test
    void pinningAVendorThatIsNotConfiguredOrCannotServeIsRefused() {
        assertThatThrownBy(() -> unifiedOnly().candidates(request(Quality.P720, Sound.OFF, null, "kling")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("unknown_provider"));
        assertThatThrownBy(() -> all.candidates(request(Quality.P4K, Sound.OFF, null, "kling")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("provider");
                });
    }

    /** Moved from ModelParamsTest: routing by the capability a model parameter needs. */
    @Test
    void onlyVendorsThatSupportAParameterCanServeIt() {
        assertThat(all.candidates(PARSER.parse(body(Map.of("camera_control", Map.of("type", "forward_up"))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("kling");
        assertThat(all.candidates(PARSER.parse(body(Map.of("cfg_scale", 0.4)))))
                .extracting(ProviderTable.Candidate::name).containsExactly("kling", "gateway");
        assertThat(all.candidates(PARSER.parse(body(Map.of("watermark_info", Map.of("enabled", true))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("unified", "apimart", "kling");
        assertThat(all.candidates(PARSER.parse(body(Map.of("subjects", List.of(subject("dog")))))))
                .extracting(ProviderTable.Candidate::name).containsExactly("apimart");
        assertThatThrownBy(() -> unifiedOnly().candidates(PARSER.parse(body(Map.of("camera_control", Map.of("type", "forward_up"))))))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("model_params");
                });
    }

    private static Map<String, Object> body(Map<String, Object> params) {
        return new HashMap<>(Map.of("model", "kling-v3-image-to-video", "prompt", "waves",
                "image_start", "https://example.com/a.jpg", "duration", 5, "model_params", params));
    }

    private static Map<String, Object> subject(String name) {
        return Map.of("name", name, "description", "the " + name, "element_input_urls",
                List.of("https://pictures.example.com/" + name + "-1.jpg", "https://pictures.example.com/" + name + "-2.jpg"));
    }
}
