package dev.reelay.domain.provider;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a vendor can do beyond the basics (720p/1080p image-to-video from one image URL). */
public enum Capability {
    QUALITY_4K, SOUND, LAST_FRAME, MULTI_SHOT, SUBJECTS, VOICES, TEXT_TO_VIDEO, URL_IMAGES, BASE64_IMAGES,
    /** The vendor calls a URL back when a job changes or ends. */
    CALLBACKS,
    /** {@code model_params.watermark_info}, {@code cfg_scale} and {@code camera_control}. */
    WATERMARK, CFG_SCALE, CAMERA_CONTROL,
    /** {@code model_params.subjects}: subjects made on the fly from pictures (APIMart), not library element ids. */
    ON_THE_FLY_SUBJECTS,
    /**
     * The vendor stops (and does not bill) a job it accepted when asked to. No vendor documents a cancel
     * endpoint: this is assumed for the unified aggregator and APIMart, which report a {@code cancelled}
     * status (see their adapters and docs/vendors.md).
     */
    CANCEL;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Capability> fromWire(String value) {
        return Arrays.stream(values()).filter(c -> c.wire().equals(value)).findFirst();
    }
}
