package dev.reelay.bench;

import dev.reelay.testing.Mp4Bytes;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What the archive benchmarks share: a valid-enough MP4 of any size (ftyp, an mdat of bytes that do
 * not compress, moov at the end), generated as it is read and never held, and the heap pools' peaks.
 */
final class GeneratedVideo {
    static final int MIB = 1024 * 1024;

    private GeneratedVideo() {
    }

    /** The MP4 of {@code megabytes} MiB of media, generated as it is read. */
    static InputStream mp4(int megabytes) {
        long payload = (long) megabytes * MIB;
        byte[] mdatHeader = ByteBuffer.allocate(8).putInt((int) (8 + payload)).put(Mp4Bytes.ascii("mdat")).array();
        return new SequenceInputStream(Collections.enumeration(List.of(
                new ByteArrayInputStream(Mp4Bytes.ftyp()), new ByteArrayInputStream(mdatHeader),
                new PseudoRandomStream(payload), new ByteArrayInputStream(moov()))));
    }

    /** The length of {@link #mp4}'s stream. */
    static long length(int megabytes) {
        return Mp4Bytes.ftyp().length + 8L + (long) megabytes * MIB + moov().length;
    }

    private static byte[] moov() {
        return Mp4Bytes.moov(Mp4Bytes.mvhdV0(600, 600L * 60), Mp4Bytes.trak("vide", "avc1"));
    }

    static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** The sum of the heap pools' peaks: an upper bound of the heap in use at any one time. */
    static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }

    /** {@code length} bytes that do not compress, from one random block, without holding them. */
    private static final class PseudoRandomStream extends InputStream {
        private static final byte[] BLOCK = new byte[MIB];

        static {
            new Random(42).nextBytes(BLOCK);
        }

        private long remaining;
        private int offset;

        PseudoRandomStream(long length) {
            remaining = length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, remaining), BLOCK.length - offset);
            System.arraycopy(BLOCK, offset, target, off, n);
            offset = (offset + n) % BLOCK.length;
            remaining -= n;
            return n;
        }
    }
}
