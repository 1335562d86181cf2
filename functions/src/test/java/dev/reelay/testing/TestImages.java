package dev.reelay.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
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

    /** A gradient, so the encoder (and a sandbox rendering from it) has something real to work with. */
    private static byte[] encode(int width, int height, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(20, 60, 160), width, height, new Color(240, 200, 90)));
        g.fillRect(0, 0, width, height);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
