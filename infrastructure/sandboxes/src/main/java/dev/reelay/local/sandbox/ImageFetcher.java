package dev.reelay.local.sandbox;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Downloads (or takes inline) a frame image and holds it to the limits the vendors document alike (JPEG or
 * PNG, at most 10 MB, at least 300 px a side, between 1:2.5 and 2.5:1), so a bad image fails at create time.
 * Every failure becomes an {@code INVALID_IMAGE} refusal carrying the cause, which the sandbox logs and returns.
 */
final class ImageFetcher {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_BYTES = 10 * 1024 * 1024;
    private static final int MIN_SIDE_PIXELS = 300;
    private static final double MAX_ELONGATION = 2.5;
    private static final byte[] JPEG_SIGNATURE = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    BufferedImage fetch(ImageInput input) throws ApiError {
        String field = input.field();
        byte[] bytes = input instanceof ImageInput.Inline inline
                ? inline.bytes()
                : download(field, ((ImageInput.Remote) input).url());
        if (bytes.length > MAX_BYTES) {
            throw ApiError.invalidImage(field + " is larger than 10 MB: " + input.source());
        }
        if (!startsWith(bytes, JPEG_SIGNATURE) && !startsWith(bytes, PNG_SIGNATURE)) {
            throw ApiError.invalidImage(field + " is not a JPEG or PNG image: " + input.source());
        }
        BufferedImage image = decode(input, bytes);
        int width = image.getWidth();
        int height = image.getHeight();
        if (Math.min(width, height) < MIN_SIDE_PIXELS) {
            throw ApiError.invalidImage(field + " must be at least " + MIN_SIDE_PIXELS + " px wide and high, got " + width + "x" + height);
        }
        if (Math.max(width, height) > MAX_ELONGATION * Math.min(width, height)) {
            throw ApiError.invalidImage(field + " must have an aspect ratio between 1:2.5 and 2.5:1, got " + width + "x" + height);
        }
        return image;
    }

    private byte[] download(String field, URI url) throws ApiError {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() / 100 != 2) {
                    throw ApiError.invalidImage(field + " could not be downloaded from " + url + ": HTTP " + response.statusCode());
                }
                return body.readNBytes(MAX_BYTES + 1);
            }
        } catch (IOException e) {
            throw ApiError.invalidImage(field + " could not be downloaded from " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.internal("Interrupted while downloading " + field);
        }
    }

    private static BufferedImage decode(ImageInput input, byte[] bytes) throws ApiError {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw ApiError.invalidImage(input.field() + " could not be decoded: " + input.source());
            }
            return image;
        } catch (IOException e) {
            throw ApiError.invalidImage(input.field() + " could not be decoded (" + e.getMessage() + "): " + input.source());
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] signature) {
        return bytes.length >= signature.length && Arrays.equals(bytes, 0, signature.length, signature, 0, signature.length);
    }
}
