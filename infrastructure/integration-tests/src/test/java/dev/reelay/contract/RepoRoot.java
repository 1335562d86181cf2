package dev.reelay.contract;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root, found from wherever the tests run: the nearest folder up holding {@code template.yaml}. */
final class RepoRoot {
    static final String MARKER = "template.yaml";

    private RepoRoot() {
    }

    static Path find() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(MARKER))) {
                return dir;
            }
        }
        throw new IllegalStateException("No " + MARKER + " in " + start + " or above it: run the tests inside the Reelay repository.");
    }
}
