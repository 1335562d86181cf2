package dev.reelay.local.sandbox;

import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import javax.imageio.ImageIO;

public final class TestImages {
    private TestImages() {
    }

    public static BufferedImage solid(Color colour, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(colour);
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Mean red, green and blue over the whole image. */
    public static double[] averageColour(BufferedImage image) {
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

    /** Serves fixed files on 127.0.0.1, as the frames' public URLs would be. */
    public static HttpServer host(Map<String, byte[]> files) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] file = files.get(exchange.getRequestURI().getPath());
                exchange.sendResponseHeaders(file == null ? 404 : 200, file == null ? -1 : file.length);
                if (file != null) {
                    try (OutputStream body = exchange.getResponseBody()) {
                        body.write(file);
                    }
                }
            }
        });
        server.start();
        return server;
    }
}
