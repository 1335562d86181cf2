package dev.reelay.domain.media;

/** The bytes are not a well-formed MP4. The message says what is wrong and where. */
public final class InvalidMp4Exception extends IllegalArgumentException {
    public InvalidMp4Exception(String message) {
        super(message);
    }
}
