package dev.reelay.local.sandbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Just enough ISO BMFF / QuickTime box reading to check what a renderer wrote. */
public final class Mp4Boxes {
    private final ByteBuffer file;

    public record Box(String type, int payloadStart, int end) {
    }

    public Mp4Boxes(byte[] bytes) {
        this.file = ByteBuffer.wrap(bytes);
    }

    public List<String> topLevelTypes() {
        return children(0, file.limit()).stream().map(Box::type).toList();
    }

    /** The handler type of the first track, from {@code mdia}'s own {@code hdlr} (JCodec writes another one in {@code minf}). */
    public String trackHandlerType() {
        Box handler = find("moov", "trak", "mdia", "hdlr");
        return fourCc(handler.payloadStart() + 8); // after version/flags and pre_defined
    }

    /** The first sample entry inside {@code stsd}, e.g. {@code avc1}. */
    public Box firstSampleEntry() {
        Box sampleDescriptions = find("moov", "trak", "mdia", "minf", "stbl", "stsd");
        return children(sampleDescriptions.payloadStart() + 8, sampleDescriptions.end()).get(0); // after version/flags and entry count
    }

    /** Width and height stored in a visual sample entry such as {@code avc1}. */
    public int[] sampleEntrySize(Box entry) {
        int offset = entry.payloadStart() + 24; // reserved(6), data reference index(2), pre_defined and reserved(16)
        return new int[] {Short.toUnsignedInt(file.getShort(offset)), Short.toUnsignedInt(file.getShort(offset + 2))};
    }

    /** The movie duration from {@code mvhd}, in seconds. */
    public double durationSeconds() {
        Box header = find("moov", "mvhd");
        int version = file.get(header.payloadStart());
        int fields = header.payloadStart() + 4;
        if (version == 1) {
            return file.getLong(fields + 20) / (double) Integer.toUnsignedLong(file.getInt(fields + 16));
        }
        return Integer.toUnsignedLong(file.getInt(fields + 12)) / (double) Integer.toUnsignedLong(file.getInt(fields + 8));
    }

    public Box find(String... path) {
        int start = 0;
        int end = file.limit();
        Box found = null;
        for (String type : path) {
            found = children(start, end).stream().filter(box -> box.type().equals(type)).findFirst()
                    .orElseThrow(() -> new AssertionError("No box " + String.join("/", path) + " (missing " + type + ")"));
            start = found.payloadStart();
            end = found.end();
        }
        return found;
    }

    private List<Box> children(int start, int end) {
        List<Box> boxes = new ArrayList<>();
        int offset = start;
        while (offset + 8 <= end) {
            long size = Integer.toUnsignedLong(file.getInt(offset));
            int headerLength = 8;
            if (size == 1) {
                size = file.getLong(offset + 8);
                headerLength = 16;
            } else if (size == 0) {
                size = end - offset;
            }
            if (size < headerLength || offset + size > end) {
                throw new AssertionError("Broken box at " + offset + ": size " + size + " in " + Arrays.asList(start, end));
            }
            boxes.add(new Box(fourCc(offset + 4), offset + headerLength, (int) (offset + size)));
            offset += (int) size;
        }
        return boxes;
    }

    private String fourCc(int offset) {
        byte[] bytes = new byte[4];
        file.get(offset, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
