package dev.reelay.domain.provider;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderTableTest {
    private final ProviderTable all = new ProviderTable(ProviderTable.KNOWN.stream()
            .map(name -> ProviderTable.defaults(name, URI.create("https://" + name + ".test"))).toList());

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
        ProviderTable unifiedOnly = new ProviderTable(List.of(ProviderTable.defaults("unified", URI.create("https://u.test"))));
        assertThatThrownBy(() -> unifiedOnly.candidates(request(Quality.P4K, Sound.OFF, null, null)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("quality");
                    assertThat(e.getMessage()).contains("unified lacks quality_4k");
                });
    }

    @Test
    void pinningAVendorThatIsNotConfiguredOrCannotServeIsRefused() {
        ProviderTable unifiedOnly = new ProviderTable(List.of(ProviderTable.defaults("unified", URI.create("https://u.test"))));
        assertThatThrownBy(() -> unifiedOnly.candidates(request(Quality.P720, Sound.OFF, null, "kling")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("unknown_provider"));
        assertThatThrownBy(() -> all.candidates(request(Quality.P4K, Sound.OFF, null, "kling")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_provider_available");
                    assertThat(e.field()).isEqualTo("provider");
                });
    }

    @Test
    void refusesAVendorConfiguredTwice() {
        var unified = ProviderTable.defaults("unified", URI.create("https://u.test"));
        assertThatThrownBy(() -> new ProviderTable(List.of(unified, unified))).hasMessageContaining("twice");
    }
}
