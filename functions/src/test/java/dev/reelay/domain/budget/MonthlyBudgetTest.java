package dev.reelay.domain.budget;

import dev.reelay.domain.error.QuotaExceededException;
import dev.reelay.domain.provider.ProviderTable;
import dev.reelay.domain.request.GenerationRequest;
import dev.reelay.domain.request.Quality;
import dev.reelay.domain.request.Sound;
import dev.reelay.testing.Providers;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The arithmetic behind budgets: micro-dollars, months, headroom and the most a request can cost. */
class MonthlyBudgetTest {

    @Test
    void amountsAreWholeMicroDollars() {
        assertThat(MonthlyBudget.micros(new BigDecimal("0.375"))).isEqualTo(375_000);
        assertThat(MonthlyBudget.micros(new BigDecimal("1.00"))).isEqualTo(1_000_000);
        assertThat(MonthlyBudget.micros(new BigDecimal("0.099975"))).isEqualTo(99_975);
        assertThatThrownBy(() -> MonthlyBudget.micros(new BigDecimal("0.0000001"))).isInstanceOf(ArithmeticException.class);
        assertThat(MonthlyBudget.usd(375_000)).isEqualTo("$0.375");
        assertThat(MonthlyBudget.usd(1_000_000)).isEqualTo("$1.00");
        assertThat(MonthlyBudget.usd(0)).isEqualTo("$0.00");
        assertThat(MonthlyBudget.usd(250_000)).isEqualTo("$0.25");
    }

    @Test
    void theMonthIsTheUtcCalendarMonth() {
        assertThat(MonthlyBudget.monthOf(Instant.parse("2026-11-30T23:59:59Z"))).isEqualTo("2026-11");
        assertThat(MonthlyBudget.monthOf(Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo("2026-12");
    }

    @Test
    void headroomIsWhatMayBeCommittedAlreadyForTheAmountToFit() {
        assertThat(MonthlyBudget.headroom(1_000_000, 375_000)).isEqualTo(625_000);
        assertThat(MonthlyBudget.headroom(1_000_000, 1_000_000)).isZero();
        assertThat(MonthlyBudget.fitsAtAll(1_000_000, 1_000_001)).isFalse();
        assertThatThrownBy(() -> MonthlyBudget.headroom(1_000_000, 1_000_001)).isInstanceOf(IllegalArgumentException.class);
        // Two reservations of 0.375 fit in 1.00 (0.75 committed); a third does not (0.75 > 0.625).
        long committed = 0;
        int fitted = 0;
        for (int i = 0; i < 3; i++) {
            if (committed <= MonthlyBudget.headroom(1_000_000, 375_000)) {
                committed += 375_000;
                fitted++;
            }
        }
        assertThat(fitted).isEqualTo(2);
        assertThat(committed).isEqualTo(750_000);
    }

    @Test
    void theRefusalSaysHowMuchIsLeftThisMonth() {
        QuotaExceededException refusal = MonthlyBudget.refusal(1_000_000, 750_000, 375_000, "2026-11");
        assertThat(refusal.code()).isEqualTo("insufficient_quota");
        assertThat(refusal.getMessage()).contains("$0.375").contains("only $0.25").contains("$1.00").contains("2026-11");
        // Over-committed (a budget lowered below what is held) shows nothing left, not a negative amount.
        assertThat(MonthlyBudget.refusal(1_000_000, 1_200_000, 1, "2026-11").getMessage()).contains("only $0.00");
    }

    @Test
    void theMostARequestCanCostIsTheDearestCandidatesQuote() {
        ProviderTable table = new ProviderTable(List.of(Providers.profile("cheap", "0.075"),
                Providers.profile("dear", "0.09"), Providers.profile("middle", "0.08")));
        GenerationRequest request = new GenerationRequest(GenerationRequest.IMAGE_TO_VIDEO, "waves", null,
                "https://example.com/a.jpg", null, 5, Quality.P720, Sound.OFF, null, null, null, null, null);

        List<ProviderTable.Candidate> candidates = table.candidates(request);

        assertThat(candidates.get(0).quote().costUsd()).isEqualByComparingTo("0.375");
        assertThat(MonthlyBudget.mostItCanCost(candidates).costUsd()).isEqualByComparingTo("0.45");
        assertThat(MonthlyBudget.mostItCanCost(List.of(candidates.get(0))).costUsd()).isEqualByComparingTo("0.375");
        assertThat(Providers.unifiedDefaults().quote(Quality.P720, Sound.OFF, 5).costMicros()).isEqualTo(375_000);
    }

    @Test
    void aReservationKnowsItsMonth() {
        assertThat(Reservation.NONE.holdsSomething()).isFalse();
        assertThat(new Reservation("2026-11", 1).holdsSomething()).isTrue();
        assertThatThrownBy(() -> new Reservation(null, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Reservation("2026-11", -5)).isInstanceOf(IllegalArgumentException.class);
    }
}
