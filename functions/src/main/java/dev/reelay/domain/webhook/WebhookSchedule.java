package dev.reelay.domain.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The waits, in seconds, before each retry of a webhook delivery. The default is {@code 1,2,4}
 * (docs/api.md): three retries, four attempts in all. A longer one can be configured in the same one-line form,
 * e.g. {@code 1,2,4,30,120,600}.
 */
public record WebhookSchedule(List<Integer> delaysSeconds) {
    public static final int MAX_RETRIES = 20;
    /** Step Functions could wait longer; a receiver down for a day is not coming back for this task. */
    public static final int MAX_DELAY_SECONDS = 86_400;
    public static final WebhookSchedule DEFAULT = new WebhookSchedule(List.of(1, 2, 4));

    public WebhookSchedule {
        delaysSeconds = List.copyOf(delaysSeconds);
        if (delaysSeconds.isEmpty() || delaysSeconds.size() > MAX_RETRIES) {
            throw new IllegalArgumentException("A webhook schedule has 1 to " + MAX_RETRIES + " retries, not " + delaysSeconds.size());
        }
        for (int delay : delaysSeconds) {
            if (delay < 1 || delay > MAX_DELAY_SECONDS) {
                throw new IllegalArgumentException("A webhook retry waits 1 to " + MAX_DELAY_SECONDS + " s, not " + delay);
            }
        }
    }

    /** {@code 1,2,4,30}: whole seconds, comma-separated; blanks around entries are allowed. */
    public static WebhookSchedule parse(String text) {
        List<Integer> delays = new ArrayList<>();
        for (String entry : text.split(",", -1)) {
            String trimmed = entry.trim();
            if (!trimmed.matches("[0-9]{1,9}")) {
                throw new IllegalArgumentException("Webhook schedule '" + text + "': '" + trimmed + "' is not a whole number of seconds");
            }
            delays.add(Integer.parseInt(trimmed));
        }
        return new WebhookSchedule(delays);
    }

    public int maxAttempts() {
        return delaysSeconds.size() + 1;
    }

    /** The wait after attempt {@code attempt} (1-based) failed, or empty when it was the last. */
    public OptionalInt delayAfter(int attempt) {
        return attempt >= 1 && attempt <= delaysSeconds.size() ? OptionalInt.of(delaysSeconds.get(attempt - 1)) : OptionalInt.empty();
    }

    @Override
    public String toString() {
        return String.join(",", delaysSeconds.stream().map(String::valueOf).toList());
    }
}
