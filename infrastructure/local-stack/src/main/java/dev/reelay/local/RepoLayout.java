package dev.reelay.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's files the local runtime needs: the state machines and the glue. */
public record RepoLayout(Path root) {
    static final String DEFINITION = "statemachine/video-generation.asl.json";

    /** The {@code reelay.home} system property if set, else the nearest folder up from here holding the state machine. */
    public static RepoLayout locate() {
        String home = System.getProperty("reelay.home");
        Path start = (home != null ? Path.of(home) : Path.of("")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(DEFINITION))) {
                return new RepoLayout(dir);
            }
        }
        throw new IllegalStateException("Cannot find " + DEFINITION + " in " + start + " or above it; run from the Reelay repository.");
    }

    public Path stateMachineDefinition() {
        return root.resolve(DEFINITION);
    }

    public Path batchStateMachineDefinition() {
        return root.resolve("statemachine/batch.asl.json");
    }

    public Path sfnGlue() {
        return root.resolve("infrastructure/local-stack/sfn-glue");
    }
}
