package dev.reelay.local.sandbox;

/** The output tier a job asks for, whatever the vendor calls it (quality 720p, mode std, ...). */
public enum Quality {
    /** 720p; Kling's {@code std}. */
    HD,
    /** 1080p; Kling's {@code pro}. */
    FULL_HD,
    /** 4k. */
    ULTRA_HD
}
