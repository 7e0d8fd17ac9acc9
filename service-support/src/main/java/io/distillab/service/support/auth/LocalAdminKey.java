package io.distillab.service.support.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one local admin key of a service running on its embedded database: generated at the first
 * start, stored hashed, announced once, and written to a file only its owner can read, where the
 * {@code distillab} CLI on the same machine finds it.
 *
 * <p>The file is written before the hash is stored: a crash in between leaves a file with a key
 * that does not work, and the next start makes a new one; the other order could leave a key in
 * the database that nobody has.
 */
public final class LocalAdminKey {
    /** The name the key has in the {@code api_key} table. */
    public static final String NAME = "local-admin";

    private LocalAdminKey() {
    }

    /**
     * Makes sure the local admin key exists. Returns the new key when one was made now, empty when
     * the database already holds one.
     *
     * @param announce told the new key once (the service prints it)
     */
    public static Optional<String> ensure(ApiKeyStore store, Path file, Consumer<String> announce) throws SQLException {
        if (store.exists(NAME)) {
            return Optional.empty();
        }
        String key = ApiKeys.generate();
        writeOwnerOnly(file, key + "\n");
        if (!store.insert(NAME, Roles.ADMIN, ApiKeys.hash(key))) {
            // another replica on the same database stored its key first; ours is void
            return Optional.empty();
        }
        announce.accept(key);
        return Optional.of(key);
    }

    /** Writes {@code text} to {@code file} with mode 0600 from its creation on (temp name + rename). */
    static void writeOwnerOnly(Path file, String text) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the local admin key to " + file, e);
        }
    }
}
