package dev.reelay.domain.media;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds MP4 box structures byte by byte, the way JCodec and ISO muxers lay them out. */
final class Mp4Bytes {
    private Mp4Bytes() {
    }

    static byte[] box(String type, byte[]... children) {
        byte[] payload = concat(children);
        return ByteBuffer.allocate(8 + payload.length).putInt(8 + payload.length).put(ascii(type)).put(payload).array();
    }

    /** A box whose size is in the 64-bit {@code largesize} field. */
    static byte[] largeBox(String type, byte[] payload) {
        return ByteBuffer.allocate(16 + payload.length)
                .putInt(1).put(ascii(type)).putLong(16L + payload.length).put(payload).array();
    }

    static byte[] ftyp() {
        return box("ftyp", ascii("isom"), new byte[4], ascii("isomiso2avc1mp41"));
    }

    static byte[] mdat(int payloadBytes) {
        return box("mdat", new byte[payloadBytes]);
    }

    static byte[] mvhdV0(long timescale, long duration) {
        return box("mvhd", ByteBuffer.allocate(100)
                .putInt(0).putInt(0).putInt(0).putInt((int) timescale).putInt((int) duration).array());
    }

    static byte[] mvhdV1(long timescale, long duration) {
        return box("mvhd", ByteBuffer.allocate(112)
                .putInt(1 << 24).putLong(0).putLong(0).putInt((int) timescale).putLong(duration).array());
    }

    /**
     * A track laid out as JCodec writes it: {@code mdia/hdlr} names the handler, and a second,
     * QuickTime data-handler {@code hdlr} ({@code dhlr}/{@code url }) sits inside {@code minf}.
     */
    static byte[] trak(String handler, String codec) {
        byte[] stsd = box("stsd", ByteBuffer.allocate(8).putInt(0).putInt(1).array(),
                box(codec, new byte[78]));
        byte[] minf = box("minf", box("vmhd", new byte[12]), hdlr("dhlr", "url "),
                box("dinf", box("dref", new byte[8])), box("stbl", stsd, box("stsz", new byte[12])));
        return box("trak", box("tkhd", new byte[84]),
                box("mdia", box("mdhd", new byte[24]), hdlr("mhlr", handler), minf));
    }

    static byte[] hdlr(String componentType, String handler) {
        return box("hdlr", new byte[4], ascii(componentType), ascii(handler), new byte[12]);
    }

    static byte[] moov(byte[]... children) {
        return box("moov", children);
    }

    /** ftyp + mdat + moov: a 5 s (2500/500) H.264 video with a sound track, moov last. */
    static byte[] typicalMp4(int mdatPayloadBytes) {
        return concat(ftyp(), mdat(mdatPayloadBytes),
                moov(mvhdV0(500, 2500), trak("vide", "avc1"), trak("soun", "mp4a")));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
