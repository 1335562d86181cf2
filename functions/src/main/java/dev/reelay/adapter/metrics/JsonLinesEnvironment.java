package dev.reelay.adapter.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The local stack's metrics "log group": each function's EMF documents, appended one per line to
 * {@code <directory>/<function>.jsonl}. A test or a person reads there what CloudWatch would ingest.
 */
final class JsonLinesEnvironment implements Environment, ISink {
    private final Path directory;
    private final Supplier<String> function;

    JsonLinesEnvironment(Path directory, Supplier<String> function) {
        this.directory = directory;
        this.function = function;
    }

    @Override
    public boolean probe() {
        return true;
    }

    @Override
    public String getName() {
        return functionName();
    }

    @Override
    public String getType() {
        return "Local";
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName();
    }

    @Override
    public void configureContext(MetricsContext context) {
        // Nothing to add: Lambda's own properties (function version, log stream) do not exist locally.
    }

    @Override
    public ISink getSink() {
        return this;
    }

    @Override
    public void accept(MetricsContext context) {
        StringBuilder lines = new StringBuilder();
        try {
            for (String document : context.serialize()) {
                lines.append(document).append('\n');
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not serialize an EMF document", e);
        }
        Path file = directory.resolve(functionName() + ".jsonl");
        // One lock for all files: writes are small and rare, and appends must not interleave.
        synchronized (JsonLinesEnvironment.class) {
            try {
                Files.createDirectories(directory);
                Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not append metrics to " + file, e);
            }
        }
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        return CompletableFuture.completedFuture(null);
    }

    private String functionName() {
        String name = function.get();
        return name == null || name.isBlank() || !name.matches("[A-Za-z0-9_.-]+") ? "unknown-function" : name;
    }
}
