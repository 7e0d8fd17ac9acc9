package io.distillab.service.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A PostgreSQL server left running on a data directory by a service that was killed (SIGKILL, OOM
 * killer): the embedded server is a process of its own, started through {@code pg_ctl}, and the JVM's
 * shutdown hook that stops it never ran. It still holds the data directory, so a new server there
 * refuses to start ("another server might be running") and the restarted service cannot come up.
 *
 * <p>Before a restart on the same directory the orphan is stopped: its pid is the first line of
 * {@code postmaster.pid}; if that process is alive and is a {@code postgres} executable it gets
 * SIGTERM (PostgreSQL's smart shutdown: its clients, the killed JVM's connections, are already gone),
 * and SIGKILL if it has not exited after {@link #GRACE}, after which PostgreSQL's crash recovery
 * replays the WAL on the next start, as after a power cut. A stale file whose pid is dead or belongs
 * to another program is left to PostgreSQL, which ignores it.
 */
final class OrphanedPostmaster {
    private static final Logger LOG = Logger.getLogger(OrphanedPostmaster.class);
    static final Duration GRACE = Duration.ofSeconds(30);

    private OrphanedPostmaster() {
    }

    /** Stops the postmaster named by {@code dataDirectory/postmaster.pid} if it is still running. */
    static void stopIfRunning(Path dataDirectory) throws IOException {
        Optional<ProcessHandle> orphan = runningPostmaster(dataDirectory);
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        LOG.warnf("PostgreSQL (pid %d) is still running on %s, left by a process that did not stop it "
                + "(killed?); stopping it before starting a new server there", postmaster.pid(), dataDirectory);
        postmaster.destroy();
        if (!exited(postmaster, GRACE)) {
            LOG.warnf("PostgreSQL (pid %d) did not stop within %s; killing it (crash recovery follows)",
                    postmaster.pid(), GRACE);
            postmaster.destroyForcibly();
            if (!exited(postmaster, GRACE)) {
                throw new IOException("PostgreSQL (pid " + postmaster.pid() + ") still runs on " + dataDirectory
                        + " and could not be stopped");
            }
        }
    }

    /** The live {@code postgres} process named by the directory's postmaster.pid, if any. */
    static Optional<ProcessHandle> runningPostmaster(Path dataDirectory) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(OrphanedPostmaster::isPostgres);
    }

    /** A pid from a file may have been reused by an unrelated program since: only a postgres is stopped. */
    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command()
                .map(command -> Path.of(command).getFileName().toString().equals("postgres"))
                .orElse(false);
    }

    private static boolean exited(ProcessHandle process, Duration within) {
        try {
            process.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
