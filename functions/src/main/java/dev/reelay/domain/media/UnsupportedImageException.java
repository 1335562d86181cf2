package dev.reelay.domain.media;

/** The bytes are not a JPEG or PNG whose dimensions can be read. The message says why. */
public final class UnsupportedImageException extends IllegalArgumentException {
    public UnsupportedImageException(String message) {
        super(message);
    }
}
