package dev.reelay.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Builds MP4 box structures byte by byte, the way JCodec and ISO muxers lay them out. Shared with other modules' tests. */
public final class Mp4Bytes {
    private Mp4Bytes() {
    }

    public static byte[] box(String type, byte[]... children) {
        byte[] payload = concat(children);
        return ByteBuffer.allocate(8 + payload.length).putInt(8 + payload.length).put(ascii(type)).put(payload).array();
    }

    /** A box whose size is in the 64-bit {@code largesize} field. */
    public static byte[] largeBox(String type, byte[] payload) {
        return ByteBuffer.allocate(16 + payload.length)
                .putInt(1).put(ascii(type)).putLong(16L + payload.length).put(payload).array();
    }

    public static byte[] ftyp() {
        return box("ftyp", ascii("isom"), new byte[4], ascii("isomiso2avc1mp41"));
    }

    public static byte[] mdat(int payloadBytes) {
        return box("mdat", new byte[payloadBytes]);
    }

    public static byte[] mvhdV0(long timescale, long duration) {
        return box("mvhd", ByteBuffer.allocate(100)
                .putInt(0).putInt(0).putInt(0).putInt((int) timescale).putInt((int) duration).array());
    }

    public static byte[] mvhdV1(long timescale, long duration) {
        return box("mvhd", ByteBuffer.allocate(112)
                .putInt(1 << 24).putLong(0).putLong(0).putInt((int) timescale).putLong(duration).array());
    }

    /**
     * A track laid out as JCodec writes it: {@code mdia/hdlr} names the handler, and a second,
     * QuickTime data-handler {@code hdlr} ({@code dhlr}/{@code url }) sits inside {@code minf}.
     */
    public static byte[] trak(String handler, String codec) {
        byte[] stsd = box("stsd", ByteBuffer.allocate(8).putInt(0).putInt(1).array(),
                box(codec, new byte[78]));
        byte[] minf = box("minf", box("vmhd", new byte[12]), hdlr("dhlr", "url "),
                box("dinf", box("dref", new byte[8])), box("stbl", stsd, box("stsz", new byte[12])));
        return box("trak", box("tkhd", new byte[84]),
                box("mdia", box("mdhd", new byte[24]), hdlr("mhlr", handler), minf));
    }

    public static byte[] hdlr(String componentType, String handler) {
        return box("hdlr", new byte[4], ascii(componentType), ascii(handler), new byte[12]);
    }

    public static byte[] moov(byte[]... children) {
        return box("moov", children);
    }

    /** ftyp + mdat + moov: a 5 s (2500/500) H.264 video with a sound track, moov last. */
    public static byte[] typicalMp4(int mdatPayloadBytes) {
        return concat(ftyp(), mdat(mdatPayloadBytes),
                moov(mvhdV0(500, 2500), trak("vide", "avc1"), trak("soun", "mp4a")));
    }

    /**
     * ftyp + mdat + moov with one track, exactly {@code totalBytes} long, whose mvhd says
     * {@code seconds} at timescale 600; the mdat is pseudo-random, so it does not compress.
     */
    public static byte[] mp4(int totalBytes, int seconds, String handler) {
        byte[] ftyp = ftyp();
        byte[] moov = moov(mvhdV0(600, 600L * seconds), trak(handler, "avc1"));
        byte[] payload = new byte[totalBytes - ftyp.length - 8 - moov.length];
        new Random(totalBytes).nextBytes(payload);
        return concat(ftyp, box("mdat", payload), moov);
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
