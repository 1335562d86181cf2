package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import dev.reelay.domain.media.ImageFacts;
import dev.reelay.domain.media.ImageInspector;
import dev.reelay.domain.media.UnsupportedImageException;

/** The public API's image rules (docs/api.md): JPG/JPEG/PNG by content, at most 10 MB, sides of 300 px or more, ratio 1:2.5 to 2.5:1. */
public final class ImageRules {
    public static final long MAX_BYTES = 10L * 1024 * 1024;
    public static final int MIN_SIDE_PIXELS = 300;
    public static final double MAX_ASPECT = 2.5;

    private ImageRules() {
    }

    /** Checks the fetched bytes of an image field and returns what they are. */
    public static ImageFacts check(String field, byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new InvalidRequestException(field, "image_too_large",
                    "'" + field + "' is larger than 10 MB.");
        }
        ImageFacts facts;
        try {
            facts = ImageInspector.inspect(bytes);
        } catch (UnsupportedImageException e) {
            throw new InvalidRequestException(field, "unsupported_image_format",
                    "'" + field + "' must be a JPG or PNG image: " + e.getMessage());
        }
        if (facts.width() < MIN_SIDE_PIXELS || facts.height() < MIN_SIDE_PIXELS) {
            throw new InvalidRequestException(field, "image_too_small", "'" + field + "' is " + facts.width() + "x"
                    + facts.height() + " px; width and height must be at least " + MIN_SIDE_PIXELS + " px.");
        }
        double ratio = (double) facts.width() / facts.height();
        if (ratio > MAX_ASPECT || ratio < 1 / MAX_ASPECT) {
            throw new InvalidRequestException(field, "invalid_image_aspect_ratio", "'" + field + "' is "
                    + facts.width() + "x" + facts.height() + " px; its aspect ratio must be between 1:2.5 and 2.5:1.");
        }
        return facts;
    }
}
