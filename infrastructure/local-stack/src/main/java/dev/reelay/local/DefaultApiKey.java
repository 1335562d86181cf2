package dev.reelay.local;

import dev.reelay.domain.apikey.ApiKey;
import dev.reelay.port.ApiKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The local stack's own API key, named {@code default}: created on the first start (unless it
 * exists), so that {@code ./reelay serve} and {@code generate} work at once. Only its hash is in
 * the table like any key's; its secret is kept in the state directory
 * ({@code .reelay/default-api-key}, readable by its owner only) so that later starts can print it
 * again. Without a state directory (tests) it lives in memory only.
 *
 * @param secret  the key, or empty when it cannot be used (see {@code problem})
 * @param created whether this start created it
 * @param problem why there is no usable default key, when there is none
 */
record DefaultApiKey(Optional<String> secret, boolean created, String problem) {
    static final String NAME = "default";
    static final String FILE = "default-api-key";

    static DefaultApiKey ensure(ApiKeys keys, Path stateDir) {
        Path file = stateDir == null ? null : stateDir.resolve(FILE);
        Optional<ApiKey> existing = keys.findByName(NAME);
        if (existing.isEmpty()) {
            String secret = keys.create(NAME, null).secret();
            if (file != null) {
                write(file, secret);
            }
            return new DefaultApiKey(Optional.of(secret), true, null);
        }
        if (file == null || !Files.isRegularFile(file)) {
            return unusable("the key '" + NAME + "' exists but its secret file " + file + " is gone");
        }
        String secret = read(file);
        Optional<ApiKey> presented = keys.findBySecret(secret);
        if (presented.isEmpty() || !presented.get().name().equals(NAME)) {
            return unusable(file + " does not hold the key '" + NAME + "'");
        }
        if (!presented.get().active()) {
            return unusable("the key '" + NAME + "' was revoked");
        }
        return new DefaultApiKey(Optional.of(secret), false, null);
    }

    private static DefaultApiKey unusable(String why) {
        return new DefaultApiKey(Optional.empty(), false, why + "; create a key with './reelay keys create --name NAME' and use it,"
                + " or delete .reelay/ to start the local stack afresh");
    }

    /** Written once, readable by its owner only (mode 600 where the file system has POSIX modes). */
    private static void write(Path file, String secret) {
        try {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException noPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, secret + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException stale) {
            throw new IllegalStateException(file + " exists but the table has no key '" + NAME + "': remove the file", stale);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not keep the default API key in " + file, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the default API key from " + file, e);
        }
    }
}
