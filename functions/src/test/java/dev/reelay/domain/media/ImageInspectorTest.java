package dev.reelay.domain.media;

import dev.reelay.testing.Mp4Bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageInspectorTest {

    private static byte[] encode(String format, int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] progressiveJpeg(int width, int height) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Offset of the first SOFn marker's 0xFF in a well-formed JPEG (found by walking the segments). */
    private static int sofOffset(byte[] jpeg) {
        int pos = 2;
        while ((jpeg[pos + 1] & 0xFF) < 0xC0 || (jpeg[pos + 1] & 0xFF) > 0xC2) {
            pos += 2 + (((jpeg[pos + 2] & 0xFF) << 8) | (jpeg[pos + 3] & 0xFF));
        }
        return pos;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"jpeg,1280,720", "jpeg,200,200", "jpeg,720,1280", "jpeg,1,1",
            "png,1280,720", "png,200,200", "png,720,1280", "png,1,1"})
    void readsFormatAndSize(String format, int width, int height) {
        ImageFacts facts = ImageInspector.inspect(encode(format, width, height));

        assertThat(facts).isEqualTo(new ImageFacts(format, "image/" + format, width, height));
    }

    @Test
    void readsProgressiveJpegs() throws IOException {
        byte[] jpeg = progressiveJpeg(640, 480);
        assertThat(jpeg[sofOffset(jpeg) + 1] & 0xFF).as("SOF2 marker").isEqualTo(0xC2);

        assertThat(ImageInspector.inspect(jpeg)).isEqualTo(new ImageFacts("jpeg", "image/jpeg", 640, 480));
    }

    @Test
    void skipsDhtSegmentsFillBytesAndStandaloneMarkersBeforeTheFrameHeader() {
        byte[] jpeg = encode("jpeg", 300, 200);
        // A DHT segment (C4, inside the SOF range) whose bytes would read as 1x1 if taken for a frame header.
        byte[] dht = bytes(0xFF, 0xC4, 0x00, 0x07, 0x08, 0x00, 0x01, 0x00, 0x01);
        byte[] fillAndStandalone = bytes(0xFF, 0xFF, 0xFF, 0xD0, 0xFF, 0x01);
        byte[] tampered = Mp4Bytes.concat(Arrays.copyOf(jpeg, 2), dht, fillAndStandalone,
                Arrays.copyOfRange(jpeg, 2, jpeg.length));

        assertThat(ImageInspector.inspect(tampered)).isEqualTo(new ImageFacts("jpeg", "image/jpeg", 300, 200));
    }

    @Test
    void trustsTheBytesNotTheFileName(@TempDir Path dir) throws IOException {
        Path misnamed = Files.write(dir.resolve("photo.jpg"), encode("png", 320, 240));

        assertThat(ImageInspector.inspect(Files.readAllBytes(misnamed)).format()).isEqualTo("png");
    }

    @Test
    void rejectsGifAndWebp() {
        byte[] webp = Mp4Bytes.concat("RIFF".getBytes(StandardCharsets.US_ASCII), new byte[4],
                "WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), new byte[32]);

        assertThatThrownBy(() -> ImageInspector.inspect(encode("gif", 64, 64)))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("GIF");
        assertThatThrownBy(() -> ImageInspector.inspect(webp))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("WebP");
    }

    @Test
    void rejectsRandomAndEmptyBytes() {
        byte[] random = new byte[1024];
        new Random(1).nextBytes(random);

        assertThatThrownBy(() -> ImageInspector.inspect(random))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("not a JPEG or PNG");
        assertThatThrownBy(() -> ImageInspector.inspect(new byte[0]))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("empty");
    }

    @Test
    void rejectsTruncatedHeaders() {
        byte[] png = encode("png", 100, 100);
        byte[] jpeg = encode("jpeg", 100, 100);

        assertThatThrownBy(() -> ImageInspector.inspect(Arrays.copyOf(png, 20)))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("PNG is truncated");
        assertThatThrownBy(() -> ImageInspector.inspect(Arrays.copyOf(png, 5)))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("PNG is truncated");
        for (int length : new int[] {2, 3, sofOffset(jpeg) + 2, sofOffset(jpeg) + 8}) {
            assertThatThrownBy(() -> ImageInspector.inspect(Arrays.copyOf(jpeg, length)))
                    .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("JPEG is truncated");
        }
    }

    @Test
    void rejectsCorruptHeaders() {
        byte[] zeroLengthSegment = bytes(0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00);
        byte[] scanBeforeFrame = bytes(0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08);
        byte[] png = encode("png", 10, 10);
        png[12] = 'X'; // the IHDR type

        assertThatThrownBy(() -> ImageInspector.inspect(zeroLengthSegment))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("segment length 0");
        assertThatThrownBy(() -> ImageInspector.inspect(scanBeforeFrame))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("0xDA");
        assertThatThrownBy(() -> ImageInspector.inspect(png))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("IHDR");
    }

    @Test
    void corruptedImagesFailOnlyWithUnsupportedImageException() {
        byte[][] originals = {encode("jpeg", 64, 48), encode("png", 64, 48)};
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] original = originals[i % 2];
            byte[] mutated = Arrays.copyOf(original, 3 + random.nextInt(Math.min(original.length - 3, 700)));
            for (int flips = 1 + random.nextInt(6); flips > 0; flips--) {
                mutated[2 + random.nextInt(mutated.length - 2)] = (byte) random.nextInt(256);
            }
            try {
                ImageFacts facts = ImageInspector.inspect(mutated);
                assertThat(facts.width()).isPositive();
                assertThat(facts.height()).isPositive();
            } catch (UnsupportedImageException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }
}
