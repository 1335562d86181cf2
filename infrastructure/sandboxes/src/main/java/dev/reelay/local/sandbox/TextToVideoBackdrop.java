package dev.reelay.local.sandbox;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Random;

/** The still a text-to-video task animates: colours and shapes derived from the prompt, so each prompt looks its own. */
final class TextToVideoBackdrop {
    private static final int DISCS = 12;

    private TextToVideoBackdrop() {
    }

    static BufferedImage paint(String prompt, Dimension size) {
        Random random = new Random(prompt.hashCode());
        float hue = random.nextFloat();
        BufferedImage image = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            graphics.setPaint(new GradientPaint(0, 0, Color.getHSBColor(hue, 0.55f, 0.9f),
                    size.width, size.height, Color.getHSBColor(hue + 0.3f, 0.7f, 0.3f)));
            graphics.fillRect(0, 0, size.width, size.height);
            // Shapes give the zoom and pan something to move; a plain gradient would look frozen.
            int maxDiameter = Math.max(2, Math.min(size.width, size.height) / 3);
            for (int disc = 0; disc < DISCS; disc++) {
                Color colour = Color.getHSBColor(hue + random.nextFloat() * 0.5f, 0.5f, 0.95f);
                graphics.setColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 110));
                int diameter = maxDiameter / 2 + random.nextInt(maxDiameter / 2 + 1);
                graphics.fillOval(random.nextInt(size.width) - diameter / 2, random.nextInt(size.height) - diameter / 2, diameter, diameter);
            }
        } finally {
            graphics.dispose();
        }
        return image;
    }
}
