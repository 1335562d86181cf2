package dev.reelay.local.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jcodec.api.awt.AWTFrameGrab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mp4RendererTest {
    private final Mp4Renderer renderer = new Mp4Renderer(320, 12);

    @TempDir
    Path directory;

    @Test
    void writesAThreeSecondH264Mp4() throws Exception {
        Path video = directory.resolve("clip.mp4");

        renderer.render(gradient(640, 360), Optional.empty(), AspectRatio.LANDSCAPE, 3, video);

        Mp4Boxes boxes = new Mp4Boxes(Files.readAllBytes(video));
        assertThat(boxes.topLevelTypes()).containsExactly("ftyp", "wide", "mdat", "moov");
        assertThat(boxes.trackHandlerType()).isEqualTo("vide");
        Mp4Boxes.Box sampleEntry = boxes.firstSampleEntry();
        assertThat(sampleEntry.type()).isEqualTo("avc1");
        assertThat(boxes.sampleEntrySize(sampleEntry)).containsExactly(320, 180);
        assertThat(boxes.durationSeconds()).isCloseTo(3.0, within(0.1));
    }

    @Test
    void crossFadesFromTheFirstFrameToTheLastFrame() throws Exception {
        Path video = directory.resolve("fade.mp4");

        renderer.render(TestImages.solid(Color.RED, 640, 360), Optional.of(TestImages.solid(Color.BLUE, 640, 360)),
                AspectRatio.LANDSCAPE, 3, video);

        double[] first = TestImages.averageColour(AWTFrameGrab.getFrame(video.toFile(), 0));
        double[] last = TestImages.averageColour(AWTFrameGrab.getFrame(video.toFile(), 3 * 12 - 1));
        assertThat(first[0]).as("red of the first frame").isGreaterThan(200);
        assertThat(first[2]).as("blue of the first frame").isLessThan(40);
        assertThat(last[0]).as("red of the last frame").isLessThan(40);
        assertThat(last[2]).as("blue of the last frame").isGreaterThan(200);
    }

    @Test
    void sizesFramesFromTheAspectRatioWithEvenSides() {
        assertThat(renderer.frameSize(AspectRatio.LANDSCAPE)).isEqualTo(new Dimension(320, 180));
        assertThat(renderer.frameSize(AspectRatio.PORTRAIT)).isEqualTo(new Dimension(180, 320));
        assertThat(renderer.frameSize(AspectRatio.SQUARE)).isEqualTo(new Dimension(320, 320));
        assertThat(AspectRatio.LANDSCAPE.frameSize(100)).isEqualTo(new Dimension(100, 56));
        assertThat(AspectRatio.nearestTo(640, 360)).isEqualTo(AspectRatio.LANDSCAPE);
        assertThat(AspectRatio.nearestTo(300, 700)).isEqualTo(AspectRatio.PORTRAIT);
        assertThat(AspectRatio.nearestTo(1100, 1000)).isEqualTo(AspectRatio.SQUARE);
    }

    private static BufferedImage gradient(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D graphics = image.createGraphics();
        graphics.setPaint(new GradientPaint(0, 0, Color.ORANGE, width, height, Color.DARK_GRAY));
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }
}
