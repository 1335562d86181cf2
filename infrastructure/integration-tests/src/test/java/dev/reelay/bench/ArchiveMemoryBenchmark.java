package dev.reelay.bench;

import dev.reelay.adapter.s3.S3VideoArchive;
import dev.reelay.local.engines.LocalS3;
import dev.reelay.port.ArchivedVideo;
import dev.reelay.testing.Mp4Bytes;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams a large MP4 through the real archive adapter into s3proxy (filesystem store, same JVM)
 * and reports throughput and peak heap. Run it under a heap far smaller than the video: if the
 * archive buffered the file, it would fail with OutOfMemoryError.
 * Usage: {@code ArchiveMemoryBenchmark <megabytes>}.
 */
public final class ArchiveMemoryBenchmark {
    private static final int MIB = GeneratedVideo.MIB;

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path store = Files.createTempDirectory("reelay-bench-s3");
        try (LocalS3 s3 = LocalS3.start(store)) {
            s3.createBucket("bench-archive");
            S3VideoArchive archive = new S3VideoArchive(s3.client(), s3.presigner(), "bench-archive");
            archive.archive("warm-up", new ByteArrayInputStream(Mp4Bytes.mp4(MIB, 1, "vide")), MIB);
            GeneratedVideo.resetPeaks();

            long total = GeneratedVideo.length(megabytes);
            InputStream video = GeneratedVideo.mp4(megabytes);

            long began = System.nanoTime();
            ArchivedVideo archived = archive.archive("bench", video, total);
            double seconds = (System.nanoTime() - began) / 1e9;
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf("archive: %d MiB in %.2f s (%.0f MiB/s), heap limit %d MiB, peak heap used %d MiB, sha256 %s...%n",
                    archived.bytes() / MIB, seconds, archived.bytes() / MIB / seconds, maxHeap / MIB, GeneratedVideo.peakHeap() / MIB,
                    archived.sha256Hex().substring(0, 12));
        } finally {
            try (var files = Files.walk(store)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
