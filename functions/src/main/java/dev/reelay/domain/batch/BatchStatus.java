package dev.reelay.domain.batch;

import java.util.Locale;

/**
 * A batch's lifecycle: {@code validating} while its tasks are being created, {@code in_progress}
 * until every one has ended, then {@code completed}; or {@code cancelled} when its owner cancelled
 * it. The public object shows {@code cancelling} between the cancel and the end (docs/batches.md).
 */
public enum BatchStatus {
    VALIDATING, IN_PROGRESS, COMPLETED, CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == CANCELLED;
    }

    public static BatchStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
