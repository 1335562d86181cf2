package dev.reelay.domain.request;

import java.util.Arrays;
import java.util.Optional;

/** Whether the provider generates sound effects, spelled as on the wire. */
public enum Sound {
    ON("on"), OFF("off");

    private final String wire;

    Sound(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<Sound> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(value)).findFirst();
    }
}
