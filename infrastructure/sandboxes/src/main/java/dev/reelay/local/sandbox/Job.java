package dev.reelay.local.sandbox;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated create request in vendor-neutral terms: what the kit renders, calls back and looks up.
 *
 * @param model           the vendor's model name, echoed in its task JSON
 * @param prompt          may be blank when a first frame is given; shapes a text-to-video backdrop otherwise
 * @param firstFrame      the picture the clip starts on; absent for text-to-video
 * @param lastFrame       the picture the clip cross-fades into; only with a first frame
 * @param aspectRatio     absent: the first frame's nearest ratio, or 16:9 without one
 * @param callbackUrl     where the kit POSTs the dialect's callback body, per its {@link CallbackPolicy}
 * @param externalTaskId  the client's own id, for {@link TaskRegistry#findByExternalId}
 */
public record Job(String model, String prompt, Optional<ImageInput> firstFrame, Optional<ImageInput> lastFrame,
                  int durationSeconds, Quality quality, boolean sound, Optional<AspectRatio> aspectRatio,
                  Optional<URI> callbackUrl, Optional<String> externalTaskId) {

    public Job {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(quality, "quality");
        if (lastFrame.isPresent() && firstFrame.isEmpty()) {
            throw new IllegalArgumentException("a last frame needs a first frame");
        }
        if (durationSeconds < 1) {
            throw new IllegalArgumentException("durationSeconds must be positive: " + durationSeconds);
        }
    }
}
