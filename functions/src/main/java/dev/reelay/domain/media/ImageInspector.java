package dev.reelay.domain.media;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Tells JPEG from PNG by their bytes (never by a name) and reads the dimensions from the headers. */
public final class ImageInspector {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    /** Signature, then the IHDR chunk: length, type, 13 bytes of data and its CRC. */
    private static final int PNG_HEADER_BYTES = 8 + 4 + 4 + 13 + 4;

    private ImageInspector() {
    }

    /** @throws UnsupportedImageException when the bytes are not a JPEG or PNG with readable dimensions */
    public static ImageFacts inspect(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (startsWith(bytes, PNG_SIGNATURE)) {
            return png(bytes);
        }
        if (bytes.length >= 2 && u8(bytes, 0) == 0xFF && u8(bytes, 1) == 0xD8) {
            return jpeg(bytes);
        }
        throw new UnsupportedImageException(describeOther(bytes) + "; only JPEG and PNG are accepted");
    }

    private static ImageFacts png(byte[] b) {
        if (b.length < PNG_HEADER_BYTES) {
            throw new UnsupportedImageException("PNG is truncated: " + b.length + " bytes, its header needs "
                    + PNG_HEADER_BYTES);
        }
        if (u32(b, 8) != 13 || !"IHDR".equals(new String(b, 12, 4, StandardCharsets.ISO_8859_1))) {
            throw new UnsupportedImageException("corrupt PNG: the first chunk is not a 13-byte IHDR");
        }
        long width = u32(b, 16);
        long height = u32(b, 20);
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new UnsupportedImageException("corrupt PNG: IHDR declares " + width + "x" + height);
        }
        return new ImageFacts("png", "image/png", (int) width, (int) height);
    }

    /**
     * Walks the marker segments after SOI up to the first frame header (SOF0-SOF15 except DHT,
     * JPG and DAC, which share the range). Every step moves forward, so corrupt data ends the walk.
     */
    private static ImageFacts jpeg(byte[] b) {
        int pos = 2;
        while (true) {
            if (pos >= b.length) {
                throw truncatedJpeg();
            }
            if (u8(b, pos) != 0xFF) {
                throw new UnsupportedImageException("corrupt JPEG: no marker at offset " + pos);
            }
            while (pos < b.length && u8(b, pos) == 0xFF) {
                pos++; // a marker may be preceded by any number of 0xFF fill bytes
            }
            if (pos >= b.length) {
                throw truncatedJpeg();
            }
            int marker = u8(b, pos++);
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // TEM and RSTn stand alone: no length follows
            }
            if (marker == 0x00 || marker == 0xD8 || marker == 0xD9 || marker == 0xDA) {
                throw new UnsupportedImageException(String.format(
                        "corrupt JPEG: marker 0x%02X at offset %d comes before any frame header", marker, pos - 1));
            }
            if (pos + 2 > b.length) {
                throw truncatedJpeg();
            }
            int length = u16(b, pos);
            if (length < 2) {
                throw new UnsupportedImageException("corrupt JPEG: segment length " + length + " at offset " + pos);
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                // Frame header: length, precision (1 byte), height (2), width (2).
                if (length < 7 || pos + 7 > b.length) {
                    throw truncatedJpeg();
                }
                int height = u16(b, pos + 3);
                int width = u16(b, pos + 5);
                if (width == 0 || height == 0) {
                    throw new UnsupportedImageException("JPEG frame header declares " + width + "x" + height
                            + " (a height defined later by DNL is not supported)");
                }
                return new ImageFacts("jpeg", "image/jpeg", width, height);
            }
            pos += length;
        }
    }

    private static UnsupportedImageException truncatedJpeg() {
        return new UnsupportedImageException("JPEG is truncated before its frame header");
    }

    private static String describeOther(byte[] b) {
        if (b.length == 0) {
            return "image is empty";
        }
        if (startsWith(b, "GIF8".getBytes(StandardCharsets.US_ASCII))) {
            return "GIF images are not supported";
        }
        if (b.length >= 12 && startsWith(b, "RIFF".getBytes(StandardCharsets.US_ASCII))
                && "WEBP".equals(new String(b, 8, 4, StandardCharsets.ISO_8859_1))) {
            return "WebP images are not supported";
        }
        if (startsWith(b, PNG_SIGNATURE, Math.min(b.length, PNG_SIGNATURE.length))) {
            return "PNG is truncated inside its signature";
        }
        return "not a JPEG or PNG image";
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && startsWith(b, prefix, prefix.length);
    }

    private static boolean startsWith(byte[] b, byte[] prefix, int length) {
        for (int i = 0; i < length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static long u32(byte[] b, int i) {
        return ((long) u16(b, i) << 16) | u16(b, i + 2);
    }
}
