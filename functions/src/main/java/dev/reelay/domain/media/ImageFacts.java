package dev.reelay.domain.media;

/** What an image's own bytes say it is: {@code format} is {@code "jpeg"} or {@code "png"}. */
public record ImageFacts(String format, String contentType, int width, int height) {
}
