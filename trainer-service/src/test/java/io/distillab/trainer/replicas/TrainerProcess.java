package io.distillab.trainer.replicas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged trainer-service ({@code target/quarkus-app/quarkus-run.jar}) run with {@code java -jar}
 * as a child process, configured through system properties, its output in a log file.
 */
final class TrainerProcess {
    /** The repository root (the bundled data is under data/). */
    static final Path ROOT = Path.of(System.getProperty("distillab.root", "..")).toAbsolutePath().normalize();
    static final Path APP = ROOT.resolve("trainer-service/target/quarkus-app/quarkus-run.jar");

    final String name;
    final int port;
    final TrainerHttp http;
    private final Process process;
    private final Path log;

    private TrainerProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.http = new TrainerHttp(port);
        this.process = process;
        this.log = log;
    }

    /** Starts {@code name} on {@code port} with {@code config} (system properties); its log is {@code logs/name.log}. */
    static TrainerProcess start(String name, int port, Map<String, String> config, Path logs) {
        try {
            Path log = Files.createDirectories(logs).resolve(name + ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // small and single-collector-threaded: three of these share the test machine's cores
                    "-Xmx1g", "-XX:+UseSerialGC", "-Dquarkus.http.port=" + port,
                    // security stays on: every replica knows the tests' admin key (stored hashed at start)
                    "-Ddistillab.auth.bootstrap-keys=it-admin:admin:" + TrainerHttp.ADMIN_KEY));
            config.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-jar");
            command.add(APP.toString());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            // the test's own settings only: nothing from the environment of whoever runs the build
            pb.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("DISTILLAB_"));
            return new TrainerProcess(name, port, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** Waits until the service answers its readiness check. */
    TrainerProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (http.status("/q/health/ready") != 200) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not become ready" + (process.isAlive() ? "" : " (it ended)")
                        + ":\n" + tail());
            }
            Thread.sleep(200);
        }
        return this;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, as the out-of-memory killer or {@code kill -9} ends it: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " survived SIGKILL");
        }
    }

    /** SIGTERM, a graceful stop (its embedded PostgreSQL stops with it); SIGKILL if it hangs. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** The last lines of its log, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's pid a PostgreSQL data directory's postmaster.pid names, if it has one. */
    static java.util.Optional<Long> postmasterPid(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            return Files.isRegularFile(pidFile)
                    ? java.util.Optional.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim()))
                    : java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty(); // removed while read: the server stopped
        }
    }
}
