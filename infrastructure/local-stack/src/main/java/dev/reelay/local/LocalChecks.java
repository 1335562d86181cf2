package dev.reelay.local;

import dev.reelay.domain.request.GenerationRequestParser;
import dev.reelay.domain.request.ImageRules;
import dev.reelay.domain.webhook.WebhookUrlRules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The local {@code generate}'s checks before any stack starts, by the API's own rules: the request's
 * parameters ({@link GenerationRequestParser}, as the local API parses them) and then the image files
 * ({@link ImageRules}: format by content, size, dimensions, ratio). A refusal is the API's
 * {@link dev.reelay.domain.error.InvalidRequestException}, with the same code, message and field.
 */
final class LocalChecks {
    private LocalChecks() {
    }

    static void check(Map<String, Object> request, Path image, Path lastImage, boolean allowLocalWebhooks) throws IOException {
        new GenerationRequestParser(true, new WebhookUrlRules(allowLocalWebhooks)).parse(request);
        ImageRules.check("image_start", head(image));
        if (lastImage != null) {
            if (!Files.isRegularFile(lastImage)) {
                throw new Launcher.UsageException("--last-image " + lastImage + " is not a file");
            }
            ImageRules.check("image_end", head(lastImage));
        }
    }

    /** The file's bytes, but no more than one past the limit: enough for ImageRules to refuse a larger one. */
    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes((int) ImageRules.MAX_BYTES + 1);
        }
    }
}
