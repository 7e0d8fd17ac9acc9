package io.distillab.service.support.testing;

import io.distillab.service.support.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A PostgreSQL of its own for a {@link PackagedService} ({@code quarkus.datasource.jdbc.url} set to
 * {@link #jdbcUrl()}), which a test stops the hard way and starts again on the same data and port,
 * as an operator's restart or a crashed database host looks to the service. Durable commits
 * ({@code synchronous_commit=on}): whatever the service acknowledged must survive the stop.
 */
public final class RestartablePostgres implements AutoCloseable {
    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgresServer server;

    private RestartablePostgres(Path dataDirectory, EmbeddedPostgresServer server) {
        this.dataDirectory = dataDirectory;
        this.server = server;
        this.port = server.port();
    }

    /** Starts a new cluster (initdb) on {@code dataDirectory}, on a free port kept across restarts. */
    public static RestartablePostgres start(Path dataDirectory) {
        return new RestartablePostgres(dataDirectory, EmbeddedPostgresServer.start(dataDirectory, true, 0));
    }

    public String jdbcUrl() {
        return server.jdbcUrl();
    }

    public int port() {
        return port;
    }

    /**
     * PostgreSQL's immediate shutdown (what {@code pg_ctl stop -m immediate} sends): SIGQUIT to the
     * postmaster, which ends every backend at once without a checkpoint; open transactions are
     * lost, committed ones come back by WAL replay at the next start. Returns once it has exited.
     */
    public void stopImmediately() {
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid in " + dataDirectory, e);
        }
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new IllegalStateException("PostgreSQL (pid " + pid + ") is not running"));
        try {
            Process kill = new ProcessBuilder("kill", "-QUIT", String.valueOf(pid)).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -QUIT " + pid + " failed");
            }
            postmaster.onExit().get(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("PostgreSQL (pid " + pid + ") did not exit within 30 s of SIGQUIT", e);
        }
        // pg_ctl stop finds nothing to stop (it logs so); this releases the data directory's lock
        server.close();
    }

    /** Starts PostgreSQL again on the same data directory and port (crash recovery replays the WAL). */
    public void restart() {
        server = EmbeddedPostgresServer.start(dataDirectory, true, port);
    }

    @Override
    public void close() {
        server.close();
    }
}
