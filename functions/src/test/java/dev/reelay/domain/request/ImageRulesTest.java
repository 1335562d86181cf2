package dev.reelay.domain.request;

import dev.reelay.domain.error.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The public API's image rules (docs/api.md), checked on real encoded images. */
class ImageRulesTest {

    @ParameterizedTest(name = "{0} {1}x{2} is accepted")
    @CsvSource({"jpg,1280,720", "png,300,300", "jpg,750,300", "png,300,750", "jpg,720,1280"})
    void accepts(String format, int width, int height) throws IOException {
        var facts = ImageRules.check("image_start", encode(format, width, height));
        assertThat(facts.width()).isEqualTo(width);
        assertThat(facts.height()).isEqualTo(height);
    }

    @ParameterizedTest(name = "{0} {1}x{2} is refused with {3}")
    @CsvSource({
            "jpg,200,200,image_too_small",
            "png,299,600,image_too_small",
            "jpg,600,299,image_too_small",
            "png,1000,300,invalid_image_aspect_ratio",
            "jpg,300,751,invalid_image_aspect_ratio",
            "gif,640,360,unsupported_image_format",
            "bmp,640,360,unsupported_image_format"})
    void refuses(String format, int width, int height, String code) throws IOException {
        byte[] image = encode(format, width, height);
        assertThatThrownBy(() -> ImageRules.check("image_end", image))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.field()).isEqualTo("image_end");
                });
    }

    @org.junit.jupiter.api.Test
    void refusesImagesOverTenMegabytes() throws IOException {
        byte[] image = Arrays.copyOf(encode("png", 640, 360), (int) ImageRules.MAX_BYTES + 1);
        assertThatThrownBy(() -> ImageRules.check("image_start", image))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("image_too_large"));
    }

    static byte[] encode(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IllegalStateException("No ImageIO writer for " + format);
        }
        return out.toByteArray();
    }
}
