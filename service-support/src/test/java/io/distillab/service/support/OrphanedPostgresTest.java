package io.distillab.service.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service killed with SIGKILL leaves its embedded PostgreSQL running on the kept data directory;
 * the restarted service must still start on it, with its data. The "service" here is a child JVM
 * ({@link KilledService}) that starts the server as the services do and writes a row.
 */
class OrphanedPostgresTest {

    @TempDir
    Path tmp;

    /** The child: starts the server on the directory given, writes a row, says where, waits to be killed. */
    public static final class KilledService {
        public static void main(String[] args) throws Exception {
            EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Path.of(args[0]), true, 0);
            try (Connection c = DriverManager.getConnection(server.jdbcUrl()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (v TEXT)");
                s.execute("INSERT INTO kept VALUES ('written before the kill')");
            }
            System.out.println("READY " + server.port());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void aServerLeftByAKilledProcessIsStoppedAndTheDataKept() throws Exception {
        Path dataDir = tmp.resolve("pg");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KilledService.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        long orphan;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
                // the child's log
            }
            assertTrue(line != null, "the child ended before its server was ready");
            orphan = Long.parseLong(Files.readAllLines(dataDir.resolve(OrphanedPostgres.PID_FILE)).get(0).trim());

            // while the child lives, its directory is not taken from it
            IllegalStateException inUse = assertThrows(IllegalStateException.class,
                    () -> EmbeddedPostgresServer.start(dataDir, true, 0).close());
            assertTrue(inUse.getMessage().contains("in use by another running process"), inUse.getMessage());
            assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false));
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook stops its server
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        Optional<ProcessHandle> left = ProcessHandle.of(orphan);
        try {
            assertTrue(left.map(ProcessHandle::isAlive).orElse(false), "the killed JVM's server should outlive it");
            assertTrue(OrphanedPostgres.isServerOf(left.get(), dataDir), left.get().info().toString());

            try (EmbeddedPostgresServer restarted = EmbeddedPostgresServer.start(dataDir, true, 0);
                 Connection c = DriverManager.getConnection(restarted.jdbcUrl()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                // gone (or a zombie nobody reaped, which is no server of the directory either)
                assertFalse(OrphanedPostgres.isServerOf(left.get(), dataDir), "the orphan still runs");
                assertTrue(rs.next());
                assertEquals("written before the kill", rs.getString(1));
                assertFalse(rs.next());
            }
        } finally {
            left.ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
