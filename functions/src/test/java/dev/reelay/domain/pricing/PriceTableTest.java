package dev.reelay.domain.pricing;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The unified aggregator's price table (docs/vendors.md): $0.075/s base, multipliers by quality and sound, 3 s minimum. */
class PriceTableTest {
    private final PriceTable prices = Providers.unifiedDefaults();

    @ParameterizedTest(name = "{0} sound {1}, {2} s costs {4} USD")
    @CsvSource({
            "720p,off,5,5,0.375,27",
            "720p,on,5,5,0.5625,40.5",
            "1080p,off,5,5,0.499875,35.991",
            "1080p,on,5,5,0.75,54",
            "1080p,on,10,10,1.5,108",
            "720p,off,15,15,1.125,81",
            "720p,off,3,3,0.225,16.2"})
    void pricesPerSecond(String quality, String sound, int duration, int billed, String usd, String credits) {
        Quote quote = prices.quote(Quality.fromWire(quality).orElseThrow(), Sound.fromWire(sound).orElseThrow(), duration);
        assertThat(quote.billedSeconds()).isEqualTo(billed);
        assertThat(quote.costUsd()).isEqualByComparingTo(usd);
        assertThat(quote.credits()).isEqualByComparingTo(credits);
    }

    @Test
    void billsAtLeastTheMinimum() {
        PriceTable table = PriceTable.parse("base=0.075;min_seconds=5;credits_per_usd=72;720p/off=1.0");
        Quote quote = table.quote(Quality.P720, Sound.OFF, 3);
        assertThat(quote.billedSeconds()).isEqualTo(5);
        assertThat(quote.costUsd()).isEqualByComparingTo("0.375");
    }

    @Test
    void countsInExactMicroDollars() {
        assertThat(prices.quote(Quality.P1080, Sound.OFF, 5).costMicros()).isEqualTo(499_875L);
    }

    @Test
    void refusesAQualityNobodyPrices() {
        assertThatThrownBy(() -> prices.quote(Quality.P4K, Sound.OFF, 5))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("quality_not_available");
                    assertThat(e.field()).isEqualTo("quality");
                });
    }

    @Test
    void isConfigurable() {
        PriceTable table = PriceTable.parse(Providers.UNIFIED_PRICES + ";4k/off=2.5");
        assertThat(table.quote(Quality.P4K, Sound.OFF, 4).costUsd()).isEqualByComparingTo(new BigDecimal("0.75"));
    }

    @Test
    void refusesAMalformedTable() {
        assertThatThrownBy(() -> PriceTable.parse("base=0.075;min_seconds=3;credits_per_usd=72;720p=1.0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("720p");
        assertThatThrownBy(() -> PriceTable.parse("min_seconds=3;credits_per_usd=72;720p/off=1.0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base");
    }
}
