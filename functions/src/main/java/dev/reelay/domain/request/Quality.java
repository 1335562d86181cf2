package dev.reelay.domain.request;

import java.util.Arrays;
import java.util.Optional;

/** Resolution tier, spelled as on the wire. */
public enum Quality {
    P720("720p"), P1080("1080p"), P4K("4k");

    private final String wire;

    Quality(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<Quality> fromWire(String value) {
        return Arrays.stream(values()).filter(q -> q.wire.equals(value)).findFirst();
    }
}
