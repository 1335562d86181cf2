package dev.reelay.local.sandbox;

import java.awt.Dimension;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/** The output shapes Kling v3 offers. */
public enum AspectRatio {
    LANDSCAPE("16:9", 16, 9),
    PORTRAIT("9:16", 9, 16),
    SQUARE("1:1", 1, 1);

    private final String label;
    private final int width;
    private final int height;

    AspectRatio(String label, int width, int height) {
        this.label = label;
        this.width = width;
        this.height = height;
    }

    public String label() {
        return label;
    }

    public static Optional<AspectRatio> fromLabel(String label) {
        return Arrays.stream(values()).filter(ratio -> ratio.label.equals(label)).findFirst();
    }

    /** The ratio closest to width:height, compared on a log scale so 2:1 and 1:2 are equally far from 1:1. */
    public static AspectRatio nearestTo(int width, int height) {
        double logRatio = Math.log(width / (double) height);
        return Arrays.stream(values())
                .min(Comparator.comparingDouble(ratio -> Math.abs(Math.log(ratio.width / (double) ratio.height) - logRatio)))
                .orElseThrow();
    }

    /** Width and height, both even (H.264 with 4:2:0 chroma needs that), with the longer side equal to longSide. */
    public Dimension frameSize(int longSide) {
        int shortSide = Math.max(2, (int) Math.round(longSide * Math.min(width, height) / (2.0 * Math.max(width, height))) * 2);
        return width >= height ? new Dimension(longSide, shortSide) : new Dimension(shortSide, longSide);
    }
}
