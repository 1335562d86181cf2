package dev.reelay.bench;

import dev.reelay.adapter.s3.S3VideoArchive;
import dev.reelay.local.engines.LocalS3;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.testing.Mp4Bytes;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Streams a large MP4 through the real archive adapter into s3proxy (filesystem store, same JVM)
 * and reports throughput and peak heap. Run it under a heap far smaller than the video: if the
 * archive buffered the file, it would fail with OutOfMemoryError.
 * Usage: {@code ArchiveMemoryBenchmark <megabytes>}.
 */
public final class ArchiveMemoryBenchmark {
    private static final int MIB = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path store = Files.createTempDirectory("reelay-bench-s3");
        try (LocalS3 s3 = LocalS3.start(store)) {
            s3.createBucket("bench-archive");
            S3VideoArchive archive = new S3VideoArchive(s3.client(), s3.presigner(), "bench-archive");
            archive.archive("warm-up", new ByteArrayInputStream(Mp4Bytes.mp4(MIB, 1, "vide")), MIB);
            resetPeaks();

            byte[] ftyp = Mp4Bytes.ftyp();
            byte[] moov = Mp4Bytes.moov(Mp4Bytes.mvhdV0(600, 600L * 60), Mp4Bytes.trak("vide", "avc1"));
            long payload = (long) megabytes * MIB;
            byte[] mdatHeader = java.nio.ByteBuffer.allocate(8).putInt((int) (8 + payload)).put(Mp4Bytes.ascii("mdat")).array();
            long total = ftyp.length + mdatHeader.length + payload + moov.length;
            InputStream video = new SequenceInputStream(Collections.enumeration(List.of(
                    new ByteArrayInputStream(ftyp), new ByteArrayInputStream(mdatHeader),
                    new PseudoRandomStream(payload), new ByteArrayInputStream(moov))));

            long began = System.nanoTime();
            ArchivedVideo archived = archive.archive("bench", video, total);
            double seconds = (System.nanoTime() - began) / 1e9;
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf("archive: %d MiB in %.2f s (%.0f MiB/s), heap limit %d MiB, peak heap used %d MiB, sha256 %s...%n",
                    archived.bytes() / MIB, seconds, archived.bytes() / MIB / seconds, maxHeap / MIB, peakHeap() / MIB,
                    archived.sha256Hex().substring(0, 12));
        } finally {
            try (var files = Files.walk(store)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** The sum of the heap pools' peaks: an upper bound of the heap in use at any one time. */
    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }

    /** {@code length} bytes that do not compress, from one random block, without holding them. */
    private static final class PseudoRandomStream extends InputStream {
        private final byte[] block = new byte[MIB];
        private long remaining;
        private int offset;

        PseudoRandomStream(long length) {
            new Random(42).nextBytes(block);
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
            int n = (int) Math.min(Math.min(len, remaining), block.length - offset);
            System.arraycopy(block, offset, target, off, n);
            offset = (offset + n) % block.length;
            remaining -= n;
            return n;
        }
    }
}
