package dev.reelay.domain.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A task's lifecycle: pending → processing → completed or failed, or cancelled by its owner while it
 * was still pending or processing. Completed, failed and cancelled are final.
 */
public enum TaskStatus {
    PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    public static TaskStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** The status spelled exactly as on the wire ({@code pending}, ...), or empty for anything else. */
    public static Optional<TaskStatus> parse(String wire) {
        return Arrays.stream(values()).filter(status -> status.wire().equals(wire)).findFirst();
    }
}
