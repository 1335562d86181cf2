package dev.reelay.application;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuoteVideoGenerationTest {
    private final QuoteVideoGeneration quotes = new QuoteVideoGeneration(new GenerationRequestParser(),
            new ProviderTable(List.of(Providers.profile("kling", "0.112"), Providers.profile("unified", "0.075"))));

    private static Map<String, Object> request() {
        Map<String, Object> body = new HashMap<>();
        body.put("model", "kling-v3-image-to-video");
        body.put("prompt", "waves roll in");
        body.put("image_start", "https://images.example.com/beach.jpg");
        body.put("duration", 3);
        body.put("quality", "720p");
        body.put("sound", "off");
        return body;
    }

    @Test
    void theCheapestVendorSetsThePriceAndTheDearestTheReservationAsOnSubmit() {
        Map<String, Object> quote = quotes.quote("default", request());

        assertThat(quote).containsEntry("object", "quote").containsEntry("provider", "unified")
                .containsEntry("duration", 3).containsEntry("billed_seconds", 3).containsEntry("images_checked", false);
        assertThat((BigDecimal) quote.get("cost_usd")).isEqualByComparingTo("0.225");
        assertThat((BigDecimal) quote.get("reserved_usd")).isEqualByComparingTo("0.336");
        assertThat((List<?>) quote.get("candidates")).hasSize(2);
    }

    @Test
    void aPinnedVendorIsTheOnlyCandidate() {
        Map<String, Object> body = request();
        body.put("provider", "kling");

        Map<String, Object> quote = quotes.quote("default", body);

        assertThat(quote).containsEntry("provider", "kling");
        assertThat((BigDecimal) quote.get("reserved_usd")).isEqualByComparingTo((BigDecimal) quote.get("cost_usd"));
    }

    @Test
    void aBodyTheSubmitWouldRefuseIsRefusedWithTheSameCodeAndParam() {
        Map<String, Object> body = request();
        body.put("duration", 30);

        assertThatThrownBy(() -> quotes.quote("default", body)).isInstanceOfSatisfying(InvalidRequestException.class,
                refused -> assertThat(refused.field()).isEqualTo("duration"));

        Map<String, Object> shots = request();
        shots.put("duration", 5);
        shots.put("model_params", Map.of("multi_shot", true, "shot_type", "customize", "multi_prompt",
                List.of(Map.of("index", 1, "prompt", "a", "duration", 2), Map.of("index", 2, "prompt", "b", "duration", 2))));
        assertThatThrownBy(() -> quotes.quote("default", shots)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("duration");
    }
}
