package dev.reelay.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Real JPEG and PNG bytes of a given size, encoded by the JDK, for tests of the image rules. */
public final class TestImages {
    private TestImages() {
    }

    public static byte[] jpeg(int width, int height) throws IOException {
        return encode(width, height, "jpg");
    }

    public static byte[] png(int width, int height) throws IOException {
        return encode(width, height, "png");
    }

    private static byte[] encode(int width, int height, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), format, out);
        return out.toByteArray();
    }
}
