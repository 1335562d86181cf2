package dev.reelay.local.sandbox;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.Rational;

/**
 * Writes an H.264 MP4 that animates still images: a slow zoom and pan over the first frame and,
 * when a last frame is given, a progressive cross-fade that ends exactly on it.
 */
public final class Mp4Renderer {
    private static final double END_ZOOM = 1.10;
    /** How far the first frame drifts sideways, as a share of the margin the zoom opens up. */
    private static final double PAN_SHARE = 0.5;

    private final int longSidePixels;
    private final int framesPerSecond;

    public Mp4Renderer(int longSidePixels, int framesPerSecond) {
        if (longSidePixels < 16 || longSidePixels % 2 != 0) {
            throw new IllegalArgumentException("longSidePixels must be even and at least 16: " + longSidePixels);
        }
        if (framesPerSecond < 1) {
            throw new IllegalArgumentException("framesPerSecond must be positive: " + framesPerSecond);
        }
        this.longSidePixels = longSidePixels;
        this.framesPerSecond = framesPerSecond;
    }

    public Dimension frameSize(AspectRatio aspectRatio) {
        return aspectRatio.frameSize(longSidePixels);
    }

    /**
     * Renders durationSeconds x framesPerSecond frames into output (an MP4 with one H.264 track).
     *
     * @param firstFrame  the picture the clip starts on, cropped to cover the frame
     * @param lastFrame   when present, the picture the clip cross-fades into and ends on
     * @throws java.io.InterruptedIOException when the thread is interrupted between frames
     */
    public void render(BufferedImage firstFrame, Optional<BufferedImage> lastFrame, AspectRatio aspectRatio,
                       int durationSeconds, Path output) throws IOException {
        if (durationSeconds < 1) {
            throw new IllegalArgumentException("durationSeconds must be positive: " + durationSeconds);
        }
        Dimension size = frameSize(aspectRatio);
        BufferedImage start = fitForDrawing(firstFrame, size);
        Optional<BufferedImage> end = lastFrame.map(image -> fitForDrawing(image, size));
        // JCodec reads the frame pixel by pixel through getRGB, which is about a quarter faster from an
        // int raster than from TYPE_3BYTE_BGR (measured at 960x540 and 1280x720).
        BufferedImage frame = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = frame.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        int frameCount = durationSeconds * framesPerSecond;
        try (SeekableByteChannel channel = NIOUtils.writableChannel(output.toFile())) {
            AWTSequenceEncoder encoder = new AWTSequenceEncoder(channel, Rational.R(framesPerSecond, 1));
            for (int index = 0; index < frameCount; index++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("Rendering " + output + " interrupted at frame " + index);
                }
                double t = frameCount == 1 ? 1 : index / (double) (frameCount - 1);
                paintFrame(graphics, size, start, end, t);
                encoder.encodeImage(frame);
            }
            encoder.finish();
        } finally {
            graphics.dispose();
        }
    }

    private static void paintFrame(Graphics2D graphics, Dimension size, BufferedImage start,
                                   Optional<BufferedImage> end, double t) {
        graphics.setColor(Color.BLACK);
        graphics.fillRect(0, 0, size.width, size.height);
        drawCovering(graphics, size, start, 1 + (END_ZOOM - 1) * t, PAN_SHARE * t);
        if (end.isPresent()) {
            Composite opaque = graphics.getComposite();
            double eased = t * t * (3 - 2 * t);
            graphics.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) eased));
            // The last frame zooms out to exactly its own framing, so the clip ends on it.
            drawCovering(graphics, size, end.get(), END_ZOOM - (END_ZOOM - 1) * t, 0);
            graphics.setComposite(opaque);
        }
    }

    /** Scales the image to cover the frame, zoomed, centred vertically and shifted by pan (0 = centred, 1 = flush right). */
    private static void drawCovering(Graphics2D graphics, Dimension size, BufferedImage image, double zoom, double pan) {
        double scale = coverScale(image.getWidth(), image.getHeight(), size) * zoom;
        double marginX = size.width - image.getWidth() * scale;
        double marginY = size.height - image.getHeight() * scale;
        AffineTransform placement = new AffineTransform(scale, 0, 0, scale, marginX / 2 * (1 + pan), marginY / 2);
        graphics.drawImage(image, placement, null);
    }

    private static double coverScale(int width, int height, Dimension size) {
        return Math.max(size.width / (double) width, size.height / (double) height);
    }

    /**
     * Shrinks a large image once to the most it will ever show (cover size at full zoom), halving step by
     * step so each bilinear pass averages whole pixel blocks instead of aliasing; this also flattens
     * transparency onto black and leaves Java2D an image type with a fast drawing loop for every frame.
     */
    private static BufferedImage fitForDrawing(BufferedImage image, Dimension size) {
        double scale = Math.min(1, coverScale(image.getWidth(), image.getHeight(), size) * END_ZOOM);
        int targetWidth = Math.max(1, (int) Math.ceil(image.getWidth() * scale));
        int targetHeight = Math.max(1, (int) Math.ceil(image.getHeight() * scale));
        BufferedImage fitted = image;
        do {
            fitted = resized(fitted, Math.max(targetWidth, fitted.getWidth() / 2), Math.max(targetHeight, fitted.getHeight() / 2));
        } while (fitted.getWidth() > targetWidth || fitted.getHeight() > targetHeight);
        return fitted;
    }

    private static BufferedImage resized(BufferedImage image, int width, int height) {
        BufferedImage resized = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = resized.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            graphics.drawImage(image, 0, 0, width, height, Color.BLACK, null);
        } finally {
            graphics.dispose();
        }
        return resized;
    }
}
