package dev.reelay.domain.task;

import java.util.Locale;

/** A task's lifecycle: pending → processing → completed or failed. Completed and failed are final. */
public enum TaskStatus {
    PENDING, PROCESSING, COMPLETED, FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED;
    }

    public static TaskStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
