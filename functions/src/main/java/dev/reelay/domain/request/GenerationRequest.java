package dev.reelay.domain.request;

import java.util.Map;

/**
 * A validated video generation request in Reelay's public dialect (the unified aggregator's).
 * Optional text fields are {@code null} when absent; {@code provider} pins one vendor;
 * {@code callbackUrl} receives the signed webhook when the task ends; {@code modelParams} holds the
 * validated advanced parameters by their public names (docs/api.md; empty when none).
 */
public record GenerationRequest(
        String model,
        String prompt,
        String negativePrompt,
        String imageStart,
        String imageEnd,
        int durationSeconds,
        Quality quality,
        Sound sound,
        String aspectRatio,
        String provider,
        String callbackUrl,
        Map<String, Object> modelParams,
        String externalTaskId) {

    public GenerationRequest {
        modelParams = modelParams == null ? Map.of() : Map.copyOf(modelParams);
    }

    public static final String IMAGE_TO_VIDEO = "kling-v3-image-to-video";
    public static final String TEXT_TO_VIDEO = "kling-v3-text-to-video";

    public boolean isTextToVideo() {
        return TEXT_TO_VIDEO.equals(model);
    }
}
