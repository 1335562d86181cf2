package dev.reelay.local.sandbox;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

final class TestImages {
    private TestImages() {
    }

    static BufferedImage solid(Color colour, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(colour);
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }

    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Mean red, green and blue over the whole image. */
    static double[] averageColour(BufferedImage image) {
        double[] sums = new double[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sums[0] += (rgb >> 16) & 0xff;
                sums[1] += (rgb >> 8) & 0xff;
                sums[2] += rgb & 0xff;
            }
        }
        double pixels = (double) image.getWidth() * image.getHeight();
        return new double[] {sums[0] / pixels, sums[1] / pixels, sums[2] / pixels};
    }
}
