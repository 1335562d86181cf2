package dev.reelay.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may open the local stack's database in {@code .reelay/}: one process at a time. DynamoDB Local
 * keeps the tables in one SQLite file, and two processes writing it meet SQLite's "database is
 * locked", which DynamoDB Local can report as a success (see docs/local-stack.md, "keys").
 * <p>
 * The owner holds an exclusive lock on {@code .reelay/state.lock} for as long as its database is
 * open. A stack that runs ({@code serve}, or a local {@code generate}) also writes
 * {@code .reelay/serve.json}, readable by its owner only: its pid, the loopback address of its
 * admin endpoint and the token that endpoint requires. Another command that finds the lock taken
 * sends its work there instead of opening the database itself. Only jackson-core is used here: the
 * {@code keys} commands that go through a running stack load nothing of the stack.
 */
final class StateDirectory {
    static final String LOCK_FILE = "state.lock";
    static final String SERVE_FILE = "serve.json";
    private static final JsonFactory JSON = new JsonFactory();
    /**
     * The lock files this JVM holds. A second channel on a held file is never opened: closing it would
     * release the JVM's lock (POSIX record locks belong to the process, not to the channel).
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private StateDirectory() {
    }

    /**
     * What a running stack publishes in {@code serve.json}.
     *
     * @param kind   {@code serve}, {@code generate} or {@code batch}
     * @param apiUrl the stack's HTTP API (its {@code base_url})
     */
    record RunningStack(long pid, String kind, URI adminUrl, URI apiUrl, String token) {
        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        @Override
        public String toString() {
            return "RunningStack[pid=" + pid + ", kind=" + kind + ", adminUrl=" + adminUrl + ", apiUrl=" + apiUrl + ", token=<hidden>]";
        }
    }

    /** The exclusive hold on the state directory's database; closing it lets the next process in. */
    static final class Ownership implements AutoCloseable {
        private final Path lockFile;
        private final FileChannel channel;
        private final FileLock lock;

        private Ownership(Path lockFile, FileChannel channel, FileLock lock) {
            this.lockFile = lockFile;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
                HELD_HERE.remove(lockFile);
            }
        }
    }

    /** Either this process owns the directory now, or a running stack owns it and answers at {@code stack}. */
    record Access(Ownership ownership, RunningStack stack) {
    }

    /** The lock, if no other process (nor this one) holds it. */
    static Optional<Ownership> tryOwn(Path stateDir) {
        Path lockFile = stateDir.resolve(LOCK_FILE).toAbsolutePath().normalize();
        if (!HELD_HERE.add(lockFile)) {
            return Optional.empty();
        }
        try {
            Files.createDirectories(stateDir);
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException | IOException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                HELD_HERE.remove(lockFile);
                return Optional.empty();
            }
            return Optional.of(new Ownership(lockFile, channel, lock));
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(lockFile);
            throw e instanceof IOException io ? new UncheckedIOException("Could not lock " + lockFile, io) : (RuntimeException) e;
        }
    }

    /**
     * Owns the directory, or finds the stack that owns it. A lock holder that published no live
     * {@code serve.json} (a stack still starting, or another {@code keys} command) is waited for, up
     * to {@code patience}; after that the answer is unavailable, naming what holds it.
     */
    static Access await(Path stateDir, Duration patience, PrintStream stderr) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        boolean told = false;
        long began = System.nanoTime();
        while (true) {
            Optional<Ownership> owned = tryOwn(stateDir);
            if (owned.isPresent()) {
                // No stack runs while we hold the lock: a serve.json left here is stale (a stack that was killed).
                removeRunningStack(stateDir);
                return new Access(owned.get(), null);
            }
            Optional<RunningStack> stack = runningStack(stateDir);
            if (stack.isPresent()) {
                return new Access(null, stack.get());
            }
            if (System.nanoTime() > deadline) {
                throw new RemoteApi.Unavailable("another reelay process has held " + stateDir + " for " + patience.toSeconds()
                        + " s without publishing a running stack (" + SERVE_FILE + "); try again once it ended", null);
            }
            if (!told && System.nanoTime() - began > Duration.ofSeconds(1).toNanos()) {
                stderr.println("reelay: waiting for another reelay process that is using " + stateDir + " (a stack starting, or another keys command) ...");
                told = true;
            }
            Thread.sleep(50);
        }
    }

    /** The stack {@code serve.json} describes, when the file exists, is whole and its process lives. */
    static Optional<RunningStack> runningStack(Path stateDir) {
        String text;
        try {
            text = Files.readString(stateDir.resolve(SERVE_FILE));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + stateDir.resolve(SERVE_FILE), e);
        }
        try (JsonParser parser = JSON.createParser(text)) {
            long pid = -1;
            String kind = null;
            String url = null;
            String api = null;
            String token = null;
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "pid" -> pid = parser.getLongValue();
                    case "kind" -> kind = parser.getText();
                    case "admin_url" -> url = parser.getText();
                    case "api_url" -> api = parser.getText();
                    case "token" -> token = parser.getText();
                    default -> parser.skipChildren();
                }
            }
            if (pid < 0 || kind == null || url == null || api == null || token == null) {
                return Optional.empty();
            }
            RunningStack stack = new RunningStack(pid, kind, URI.create(url), URI.create(api), token);
            return stack.alive() ? Optional.of(stack) : Optional.empty();
        } catch (IOException | IllegalArgumentException halfWritten) {
            // It is written to a temporary file and moved into place, so this is a file someone else wrote.
            return Optional.empty();
        }
    }

    /** Written to a temporary file readable by its owner only, then moved into place: a reader sees all of it or nothing. */
    static void publish(Path stateDir, RunningStack stack) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            json.writeNumberField("pid", stack.pid());
            json.writeStringField("kind", stack.kind());
            json.writeStringField("admin_url", stack.adminUrl().toString());
            json.writeStringField("api_url", stack.apiUrl().toString());
            json.writeStringField("token", stack.token());
            json.writeEndObject();
        }
        Path temporary = stateDir.resolve(SERVE_FILE + "." + stack.pid() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException noPosix) {
            Files.createFile(temporary);
        }
        Files.writeString(temporary, text + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        try {
            Files.move(temporary, stateDir.resolve(SERVE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(temporary, stateDir.resolve(SERVE_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void removeRunningStack(Path stateDir) {
        try {
            Files.deleteIfExists(stateDir.resolve(SERVE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove " + stateDir.resolve(SERVE_FILE), e);
        }
    }
}
