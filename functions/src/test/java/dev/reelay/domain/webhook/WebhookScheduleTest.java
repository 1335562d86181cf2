package dev.reelay.domain.webhook;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookScheduleTest {

    @Test
    void theDefaultScheduleIsThreeRetriesAfterOneTwoAndFourSeconds() {
        WebhookSchedule schedule = WebhookSchedule.DEFAULT;
        assertThat(schedule.delaysSeconds()).containsExactly(1, 2, 4);
        assertThat(schedule.maxAttempts()).isEqualTo(4);
        assertThat(schedule.delayAfter(1)).hasValue(1);
        assertThat(schedule.delayAfter(2)).hasValue(2);
        assertThat(schedule.delayAfter(3)).hasValue(4);
        assertThat(schedule.delayAfter(4)).isEqualTo(OptionalInt.empty());
        assertThat(schedule).hasToString("1,2,4");
    }

    @Test
    void parsesALongerScheduleFromOneLine() {
        WebhookSchedule longer = WebhookSchedule.parse(" 1, 2,4,30 ,120,600");
        assertThat(longer.delaysSeconds()).containsExactly(1, 2, 4, 30, 120, 600);
        assertThat(longer.maxAttempts()).isEqualTo(7);
        assertThat(WebhookSchedule.parse("1,2,4")).isEqualTo(WebhookSchedule.DEFAULT);
        assertThat(WebhookSchedule.parse(String.join(",", java.util.Collections.nCopies(20, "5"))).maxAttempts()).isEqualTo(21);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "1,,2", "1,2,", "0", "1,-2", "1.5", "2s", "one", "1;2", "86401", "99999999999"})
    void refusesAnythingButOneToTwentyPositiveWholeSeconds(String text) {
        assertThatThrownBy(() -> WebhookSchedule.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(?is).*webhook.*");
    }

    @Test
    void refusesMoreThanTwentyRetries() {
        assertThatThrownBy(() -> WebhookSchedule.parse(String.join(",", java.util.Collections.nCopies(21, "1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("21");
        assertThatThrownBy(() -> new WebhookSchedule(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
