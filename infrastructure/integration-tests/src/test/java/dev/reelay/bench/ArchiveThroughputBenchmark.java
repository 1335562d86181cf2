package dev.reelay.bench;

import dev.reelay.adapter.s3.S3VideoArchive;
import dev.reelay.domain.media.Mp4Probe;
import dev.reelay.local.engines.LocalS3;
import dev.reelay.port.ArchivedVideo;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Archive at 1 GiB: streams a generated MP4 (ftyp, mdat of incompressible bytes, moov at the end, never
 * held whole) through the real {@link S3VideoArchive} into s3proxy (filesystem store, same JVM), and
 * the same bytes through a raw copy in the same run: the plain S3 client, multipart with the adapter's
 * part size (8 MiB) and one buffer, no hashing, no MP4 check, no metadata copy. Rounds alternate raw and
 * adapter; the ratio is the median raw time over the median adapter time (throughput ratio). Then it
 * times, over the same stream without uploading, what the adapter adds: SHA-256 and the MP4 check. (It
 * also used to copy the object onto itself to attach the digest as metadata; BENCHMARKS.md has what that
 * cost before it went.) Run it with {@code -Xmx64m}.
 * Usage: {@code ArchiveThroughputBenchmark <megabytes> <rounds>}. Last line:
 * {@code BENCH archive ...}.
 */
public final class ArchiveThroughputBenchmark {
    private static final int MIB = GeneratedVideo.MIB;
    private static final int PART = 8 * MIB;
    private static final String BUCKET = "bench-archive";

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path store = Files.createTempDirectory("reelay-bench-s3");
        try (LocalS3 s3 = LocalS3.start(store)) {
            s3.createBucket(BUCKET);
            S3Client client = s3.client();
            S3VideoArchive archive = new S3VideoArchive(client, s3.presigner(), BUCKET);
            // Warm both paths (class loading, JIT) on 32 MiB before anything is timed.
            archive.archive("warm-up", GeneratedVideo.mp4(32), GeneratedVideo.length(32));
            raw(client, "warm-up-raw", GeneratedVideo.mp4(32));

            long[] rawNanos = new long[rounds];
            long[] adapterNanos = new long[rounds];
            long peak = 0;
            long sampledPeak = 0;
            long bytes = GeneratedVideo.length(megabytes);
            HeapSampler sampler = new HeapSampler();
            for (int round = 0; round < rounds; round++) {
                deleteAll(client);
                GeneratedVideo.resetPeaks();
                long began = System.nanoTime();
                long written = raw(client, "raw", GeneratedVideo.mp4(megabytes));
                rawNanos[round] = System.nanoTime() - began;
                check(written == bytes, "raw copy wrote " + written);
                deleteAll(client);

                GeneratedVideo.resetPeaks();
                sampler.reset();
                began = System.nanoTime();
                ArchivedVideo archived = archive.archive("bench", GeneratedVideo.mp4(megabytes), bytes);
                adapterNanos[round] = System.nanoTime() - began;
                peak = Math.max(peak, GeneratedVideo.peakHeap());
                sampledPeak = Math.max(sampledPeak, sampler.peak());
                check(archived.bytes() == bytes, "archive wrote " + archived.bytes());
                System.out.printf("round %d: raw %.2f s (%.0f MiB/s), adapter %.2f s (%.0f MiB/s), ratio %.2f%n", round + 1,
                        rawNanos[round] / 1e9, mibPerSecond(bytes, rawNanos[round]), adapterNanos[round] / 1e9,
                        mibPerSecond(bytes, adapterNanos[round]), (double) rawNanos[round] / adapterNanos[round]);
            }

            // Where the adapter's extra time goes, each part alone over the same bytes.
            long readNanos = timed(() -> drain(GeneratedVideo.mp4(megabytes), (buffer, n) -> { }));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long hashNanos = timed(() -> drain(GeneratedVideo.mp4(megabytes), (buffer, n) -> sha.update(buffer, 0, n)));
            Mp4Probe probe = new Mp4Probe();
            long probeNanos = timed(() -> drain(GeneratedVideo.mp4(megabytes), (buffer, n) -> probe.update(buffer, 0, n)));
            check(probe.finish().hasVideoTrack(), "the generated MP4 has a video track");

            long rawMedian = median(rawNanos);
            long adapterMedian = median(adapterNanos);
            System.out.printf("alone over %d MiB: generate+read %.2f s, SHA-256 %.2f s, MP4 check %.2f s%n",
                    megabytes, readNanos / 1e9, hashNanos / 1e9, probeNanos / 1e9);
            System.out.printf(java.util.Locale.ROOT,
                    "BENCH archive mib=%d heap_limit_mib=%d peak_heap_mib=%d pools_peak_sum_mib=%d rounds=%d adapter_s=%.2f adapter_mib_s=%.1f"
                            + " raw_s=%.2f raw_mib_s=%.1f ratio=%.2f sha256_s=%.2f mp4check_s=%.2f%n",
                    megabytes, Runtime.getRuntime().maxMemory() / MIB, sampledPeak / MIB, peak / MIB, rounds, adapterMedian / 1e9,
                    mibPerSecond(bytes, adapterMedian), rawMedian / 1e9, mibPerSecond(bytes, rawMedian),
                    (double) rawMedian / adapterMedian, (hashNanos - readNanos) / 1e9, (probeNanos - readNanos) / 1e9);
        } finally {
            try (var files = Files.walk(store)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        System.exit(0);
    }

    /** The raw copy: multipart, 8 MiB parts through one buffer, nothing computed on the way. */
    private static long raw(S3Client client, String name, InputStream video) throws IOException {
        String key = "raw/" + name;
        String uploadId = client.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        byte[] buffer = new byte[PART];
        List<CompletedPart> parts = new ArrayList<>();
        long bytes = 0;
        int n;
        while ((n = video.readNBytes(buffer, 0, PART)) > 0) {
            int number = parts.size() + 1;
            int length = n;
            String eTag = client.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                            "application/octet-stream")).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
            bytes += n;
        }
        client.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
        return bytes;
    }

    private static void deleteAll(S3Client client) {
        client.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream()
                .filter(o -> !o.key().contains("warm-up"))
                .forEach(o -> client.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
    }

    private interface Sink {
        void accept(byte[] buffer, int n) throws Exception;
    }

    private static void drain(InputStream in, Sink sink) throws Exception {
        byte[] buffer = new byte[PART];
        int n;
        while ((n = in.readNBytes(buffer, 0, PART)) > 0) {
            sink.accept(buffer, n);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static long timed(Step step) throws Exception {
        long began = System.nanoTime();
        step.run();
        return System.nanoTime() - began;
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / (double) MIB / (nanos / 1e9);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    /** The heap in use (all pools at one instant), sampled every 5 ms on a daemon thread. */
    private static final class HeapSampler {
        private volatile long peak;

        HeapSampler() {
            Thread thread = new Thread(() -> {
                while (true) {
                    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    if (used > peak) {
                        peak = used;
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void reset() {
            peak = 0;
        }

        long peak() {
            return peak;
        }
    }
}
