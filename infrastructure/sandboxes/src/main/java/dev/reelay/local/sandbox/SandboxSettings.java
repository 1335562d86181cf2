package dev.reelay.local.sandbox;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * How a {@link Sandbox} behaves.
 *
 * @param apiKey          the only API key it accepts, for dialects authenticated by one
 * @param renderDelay     the least time between create and {@code completed}, over which progress rises
 * @param progressSteps   how many distinct {@code processing} progress values a poller can see
 * @param longSidePixels  the longer side of every rendered video (even; {@link Mp4Renderer} checks it)
 * @param framesPerSecond frame rate of every rendered video
 * @param maxParallelTasks jobs the vendor account may have unfinished (submitted, queued or processing) at once;
 *                        a submission beyond them is refused with the vendor's own concurrency error (HTTP 429).
 *                        {@link #UNLIMITED} by default
 */
public record SandboxSettings(String apiKey, Duration renderDelay, int progressSteps, int longSidePixels, int framesPerSecond,
                              int maxParallelTasks) {
    /** No concurrency limit. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public SandboxSettings {
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(renderDelay, "renderDelay");
        if (apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey must not be blank");
        }
        if (renderDelay.isNegative()) {
            throw new IllegalArgumentException("renderDelay must not be negative: " + renderDelay);
        }
        if (progressSteps < 1) {
            throw new IllegalArgumentException("progressSteps must be positive: " + progressSteps);
        }
        if (maxParallelTasks < 1) {
            throw new IllegalArgumentException("maxParallelTasks must be positive: " + maxParallelTasks);
        }
    }

    /** Settings without a concurrency limit. */
    public SandboxSettings(String apiKey, Duration renderDelay, int progressSteps, int longSidePixels, int framesPerSecond) {
        this(apiKey, renderDelay, progressSteps, longSidePixels, framesPerSecond, UNLIMITED);
    }

    /** Small, quick videos: a 3 s clip (36 frames at 320x180) renders in 1-2 s in a cold JVM. */
    public static SandboxSettings forTests() {
        return new SandboxSettings(randomApiKey(), Duration.ofSeconds(1), 3, 320, 12);
    }

    /**
     * Videos that look like the real thing. Measured here (2 cores, JDK 17) for a 5 s clip at 24 fps:
     * 960x540 renders in 6.5-7.5 s in a cold JVM and 5.7-6.4 s warm (16-21 frames/s); a cross-fade to a last
     * frame makes it 8.8-9.1 s (13 frames/s), and 12.6 s was seen while other builds loaded the machine.
     * 1280x720 already takes 10-11.5 s without a cross-fade (11 frames/s): too close to 20 s.
     */
    public static SandboxSettings forUsers() {
        return new SandboxSettings(randomApiKey(), Duration.ofSeconds(3), 5, 960, 24);
    }

    /** The same settings with another render delay and number of progress steps. */
    public SandboxSettings withTiming(Duration renderDelay, int progressSteps) {
        return new SandboxSettings(apiKey, renderDelay, progressSteps, longSidePixels, framesPerSecond, maxParallelTasks);
    }

    /** The same settings with a new random API key: each vendor's sandbox has keys of its own. */
    public SandboxSettings withFreshApiKey() {
        return new SandboxSettings(randomApiKey(), renderDelay, progressSteps, longSidePixels, framesPerSecond, maxParallelTasks);
    }

    /**
     * The same settings with a concurrency limit, as a vendor account's resource pack has: more than
     * {@code maxParallelTasks} unfinished jobs are refused with the vendor's concurrency error.
     */
    public SandboxSettings withMaxParallelTasks(int maxParallelTasks) {
        return new SandboxSettings(apiKey, renderDelay, progressSteps, longSidePixels, framesPerSecond, maxParallelTasks);
    }

    private static String randomApiKey() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return "sk-sandbox-" + HexFormat.of().formatHex(bytes);
    }
}
