package dev.reelay.domain.media;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks an MP4 as it streams past, in bounded memory: it walks the top-level boxes, skips
 * every payload except {@code moov} (buffered up to a cap) and reads duration and tracks from it.
 *
 * <p>{@link #update} fails fast, so that a caller can stop streaming bytes that cannot be an
 * MP4; {@link #finish} reports what only the end reveals. Once it has failed, a probe keeps
 * throwing the same exception. Not thread-safe.
 */
public final class Mp4Probe {
    public static final int DEFAULT_MAX_MOOV_BYTES = 8 * 1024 * 1024;
    /** ISO files start with {@code ftyp}; QuickTime ones may start with any of the others. */
    private static final List<String> FIRST_BOX_TYPES = List.of("ftyp", "wide", "free", "skip", "mdat", "moov");
    private static final int MOOV_INITIAL_CAPACITY = 64 * 1024;

    private final int maxMoovBytes;
    private final byte[] header = new byte[16];
    private int headerFilled;
    private long offset;
    private String boxType;
    private long boxStart;
    /** Payload bytes left in the current box, or -1 when it runs to the end of the stream. */
    private long boxRemaining;
    private boolean inMoov;
    private byte[] moov;
    private int moovLength;
    private InvalidMp4Exception failure;

    public Mp4Probe() {
        this(DEFAULT_MAX_MOOV_BYTES);
    }

    public Mp4Probe(int maxMoovBytes) {
        if (maxMoovBytes <= 0) {
            throw new IllegalArgumentException("maxMoovBytes must be positive: " + maxMoovBytes);
        }
        this.maxMoovBytes = maxMoovBytes;
    }

    /** @throws InvalidMp4Exception as soon as the bytes seen so far cannot be an MP4 */
    public void update(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (failure != null) {
            throw failure;
        }
        try {
            int end = off + len;
            while (off < end) {
                off = boxType == null ? readHeader(buf, off, end) : readPayload(buf, off, end);
            }
        } catch (InvalidMp4Exception e) {
            failure = e;
            throw e;
        }
    }

    /** @throws InvalidMp4Exception when the stream was not a complete MP4 with a readable {@code moov} */
    public Mp4Facts finish() {
        if (failure != null) {
            throw failure;
        }
        try {
            if (offset == 0) {
                throw new InvalidMp4Exception("stream is empty");
            }
            if (headerFilled > 0) {
                throw new InvalidMp4Exception("stream ends inside a box header at offset " + (offset - headerFilled));
            }
            if (boxType != null && boxRemaining > 0) {
                throw new InvalidMp4Exception(String.format("box '%s' at offset %d is truncated: %d bytes missing",
                        boxType, boxStart, boxRemaining));
            }
            if (moov == null) {
                throw new InvalidMp4Exception("no moov box in " + offset + " bytes");
            }
            return parseMoov(moov, moovLength);
        } catch (InvalidMp4Exception e) {
            failure = e;
            throw e;
        }
    }

    private int readHeader(byte[] buf, int off, int end) {
        int n = Math.min(headerLength() - headerFilled, end - off);
        System.arraycopy(buf, off, header, headerFilled, n);
        headerFilled += n;
        offset += n;
        if (headerFilled == headerLength()) {
            openBox();
        }
        return off + n;
    }

    /** 8 bytes, or 16 once the 32-bit size reads 1, meaning a 64-bit size follows the type. */
    private int headerLength() {
        return headerFilled >= 8 && u32(header, 0) == 1 ? 16 : 8;
    }

    private void openBox() {
        long start = offset - headerFilled;
        long size32 = u32(header, 0);
        String type = fourcc(header, 4);
        if (!isPrintable(header, 4)) {
            throw new InvalidMp4Exception(String.format("no box header at offset %d (type bytes %s)",
                    start, hex(header, 4, 4)));
        }
        if (start == 0 && !FIRST_BOX_TYPES.contains(type)) {
            throw new InvalidMp4Exception("stream does not start with an MP4 box: first box is '" + type
                    + "', expected one of " + FIRST_BOX_TYPES);
        }
        long size = size32 == 1 ? i64(header, 8) : size32;
        if (size32 != 0 && size < headerFilled) {
            throw new InvalidMp4Exception(String.format("box '%s' at offset %d declares size %s, less than its header",
                    type, start, Long.toUnsignedString(size)));
        }
        boxType = type;
        boxStart = start;
        boxRemaining = size32 == 0 ? -1 : size - headerFilled;
        headerFilled = 0;
        inMoov = type.equals("moov");
        if (inMoov) {
            if (moov != null) {
                throw new InvalidMp4Exception("second moov box at offset " + start);
            }
            if (boxRemaining > maxMoovBytes) {
                throw moovTooLarge();
            }
            moov = new byte[boxRemaining >= 0 ? (int) boxRemaining : Math.min(MOOV_INITIAL_CAPACITY, maxMoovBytes)];
        }
        if (boxRemaining == 0) {
            boxType = null;
        }
    }

    private int readPayload(byte[] buf, int off, int end) {
        int n = boxRemaining < 0 ? end - off : (int) Math.min(boxRemaining, end - off);
        if (inMoov) {
            if ((long) moovLength + n > maxMoovBytes) {
                throw moovTooLarge();
            }
            if (moovLength + n > moov.length) {
                moov = Arrays.copyOf(moov, (int) Math.min(maxMoovBytes, Math.max(moovLength + n, 2L * moov.length)));
            }
            System.arraycopy(buf, off, moov, moovLength, n);
            moovLength += n;
        }
        offset += n;
        if (boxRemaining > 0) {
            boxRemaining -= n;
            if (boxRemaining == 0) {
                boxType = null;
                inMoov = false;
            }
        }
        return off + n;
    }

    private InvalidMp4Exception moovTooLarge() {
        return new InvalidMp4Exception("moov box at offset " + boxStart + " is larger than " + maxMoovBytes + " bytes");
    }

    private static Mp4Facts parseMoov(byte[] b, int length) {
        List<Box> children = children(b, 0, length, "moov");
        Box mvhd = find(children, "mvhd").orElseThrow(() -> new InvalidMp4Exception("moov has no mvhd"));
        double duration = durationSeconds(b, mvhd);
        List<Mp4Facts.Track> tracks = new ArrayList<>();
        for (Box trak : children) {
            if (trak.type.equals("trak")) {
                tracks.add(track(b, trak, tracks.size() + 1));
            }
        }
        return new Mp4Facts(duration, tracks);
    }

    private static double durationSeconds(byte[] b, Box mvhd) {
        int version = mvhd.length() >= 1 ? b[mvhd.start] : -1;
        // Full box header (4), then creation and modification times, timescale, duration.
        int needed = version == 1 ? 4 + 8 + 8 + 4 + 8 : 4 + 4 + 4 + 4 + 4;
        if ((version != 0 && version != 1) || mvhd.length() < needed) {
            throw new InvalidMp4Exception("mvhd (version " + version + ") is malformed: " + mvhd.length() + " bytes");
        }
        long timescale = u32(b, mvhd.start + (version == 1 ? 20 : 12));
        long duration = version == 1 ? i64(b, mvhd.start + 24) : u32(b, mvhd.start + 16);
        boolean unknown = version == 1 ? duration == -1 : duration == 0xFFFF_FFFFL;
        if (timescale == 0 || duration < 0 || unknown) {
            throw new InvalidMp4Exception("mvhd has no usable duration: duration " + Long.toUnsignedString(duration)
                    + ", timescale " + timescale);
        }
        return (double) duration / timescale;
    }

    private static Mp4Facts.Track track(byte[] b, Box trak, int number) {
        String where = "trak #" + number;
        Box mdia = require(b, trak, where, "mdia");
        // Only mdia's own hdlr names the track's kind; QuickTime files have another one (dhlr) in minf.
        Box hdlr = require(b, mdia, where + "/mdia", "hdlr");
        if (hdlr.length() < 12) {
            throw new InvalidMp4Exception(where + "/mdia/hdlr is malformed: " + hdlr.length() + " bytes");
        }
        Box minf = require(b, mdia, where + "/mdia", "minf");
        Box stbl = require(b, minf, where + "/mdia/minf", "stbl");
        Box stsd = require(b, stbl, where + "/mdia/minf/stbl", "stsd");
        // Full box header (4) and entry count (4), then the first sample entry's size (4) and type (4).
        if (stsd.length() < 16 || u32(b, stsd.start + 4) == 0) {
            throw new InvalidMp4Exception(where + "/mdia/minf/stbl/stsd has no sample entry");
        }
        return new Mp4Facts.Track(fourcc(b, hdlr.start + 8), fourcc(b, stsd.start + 12));
    }

    private static Box require(byte[] b, Box parent, String parentPath, String type) {
        return find(children(b, parent.start, parent.end, parentPath), type)
                .orElseThrow(() -> new InvalidMp4Exception(parentPath + " has no " + type));
    }

    private static Optional<Box> find(List<Box> boxes, String type) {
        return boxes.stream().filter(box -> box.type.equals(type)).findFirst();
    }

    /** The boxes that exactly fill {@code [start, end)}; any overrun or stray byte is an error. */
    private static List<Box> children(byte[] b, int start, int end, String parentPath) {
        List<Box> boxes = new ArrayList<>();
        int pos = start;
        while (pos < end) {
            if (end - pos < 8) {
                throw new InvalidMp4Exception(parentPath + " ends with " + (end - pos) + " stray bytes");
            }
            long size32 = u32(b, pos);
            String type = fourcc(b, pos + 4);
            int headerLength = size32 == 1 ? 16 : 8;
            if (end - pos < headerLength) {
                throw new InvalidMp4Exception("box '" + type + "' in " + parentPath + " has a truncated header");
            }
            long size = size32 == 0 ? end - pos : size32 == 1 ? i64(b, pos + 8) : size32;
            if (size < headerLength || size > end - pos) {
                throw new InvalidMp4Exception(String.format("box '%s' in %s declares size %s but %d bytes are left",
                        type, parentPath, Long.toUnsignedString(size), end - pos));
            }
            boxes.add(new Box(type, pos + headerLength, pos + (int) size));
            pos += (int) size;
        }
        return boxes;
    }

    /** A box inside the buffered moov: its payload is {@code [start, end)}. */
    private record Box(String type, int start, int end) {
        int length() {
            return end - start;
        }
    }

    private static boolean isPrintable(byte[] b, int at) {
        for (int i = at; i < at + 4; i++) {
            if (b[i] < 0x20 || b[i] > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private static String fourcc(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static String hex(byte[] b, int at, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = at; i < at + length; i++) {
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return s.toString();
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }

    private static long i64(byte[] b, int at) {
        return (u32(b, at) << 32) | u32(b, at + 4);
    }
}
