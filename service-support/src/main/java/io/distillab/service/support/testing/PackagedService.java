package io.distillab.service.support.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Quarkus service ({@code <module>/target/quarkus-app/quarkus-run.jar}) run as a child
 * process, as a user runs it, for integration tests of what only a real process shows: SIGKILL and
 * restart, stdout and log contents, memory. One instance is one service on one port and one
 * {@code DISTILLAB_HOME} (its embedded PostgreSQL's data and its local admin key live there), kept
 * across {@link #kill()} and {@link #start()}: a restart finds the same data at the same address.
 *
 * <pre>{@code
 * try (PackagedService metrics = PackagedService.of(root.resolve("metrics-service"), home)
 *         .property("distillab.worker.lease", "3s")) {
 *     metrics.start().awaitReady(Duration.ofMinutes(2));
 *     ... metrics.url("/api/v1/datasets"), metrics.adminKey() ...
 *     metrics.kill();
 *     metrics.start().awaitReady(Duration.ofMinutes(2));
 * }
 * }</pre>
 *
 * <p>Everything the process writes on stdout and stderr, across restarts, goes to {@link #log()}.
 * Test-scoped by intent (it lives in service-support's {@code testing} package with
 * {@link AuthTestResource}); it uses nothing but the JDK.
 */
public final class PackagedService implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Path module;
    private final String name;
    private final Path home;
    private final int port;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Path log;
    private Process process;
    private int starts;

    private PackagedService(Path module, Path home) {
        this.module = module;
        this.name = module.getFileName().toString();
        this.home = home;
        this.port = freePort();
        this.log = home.resolve(name + ".log");
        Path jar = jar();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package " + name + " first");
        }
    }

    /**
     * @param module the service's Maven module directory (its {@code target/quarkus-app} is run)
     * @param home   its {@code DISTILLAB_HOME}: embedded PostgreSQL data, admin key, and the log file
     */
    public static PackagedService of(Path module, Path home) {
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PackagedService(module, home);
    }

    /** A system property ({@code -Dkey=value}) for every start from now on. */
    public PackagedService property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** An environment variable for every start from now on. */
    public PackagedService environment(String key, String value) {
        environment.put(key, value);
        return this;
    }

    /** A JVM option ({@code -Xmx256m}) for every start from now on. */
    public PackagedService jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /**
     * Starts the process (not waiting for it to be ready). The service's own embedded PostgreSQL
     * keeps its data under {@link #home()}; the local admin key is written there even on an external
     * database. The caller's {@code QUARKUS_*} and {@code DISTILLAB_*} variables are not inherited.
     */
    public synchronized PackagedService start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running already (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.port", String.valueOf(port));
        props.put("quarkus.http.host", "127.0.0.1");
        props.put("distillab.home", home.toString());
        props.put("distillab.embedded-postgres.data-dir", home.resolve(name).resolve("postgres").toString());
        props.put("distillab.auth.local-admin-key.enabled", "true");
        props.put("distillab.auth.local-admin-key.file", adminKeyFile().toString());
        props.putAll(properties);
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar().toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("DISTILLAB_"));
        pb.environment().putAll(environment);
        try {
            Files.writeString(log, "=== start " + (++starts) + ": " + String.join(" ", command) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
        return this;
    }

    /** Waits until {@code /q/health/ready} answers 200; fails with the log's tail if the process dies or time runs out. */
    public PackagedService awaitReady(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (status("/q/health/ready") != 200) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready:\n"
                        + logTail(60));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " was not ready within " + within + ":\n" + logTail(60));
            }
            sleep(250);
        }
        return this;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or handed back (its embedded PostgreSQL is left running). */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitFor(process);
    }

    /** SIGTERM and wait: Quarkus's graceful shutdown. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        waitFor(process);
    }

    @Override
    public void close() {
        stop();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path home() {
        return home;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** The local admin key the service wrote at its first start. */
    public String adminKey() {
        try {
            return Files.readString(adminKeyFile()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path adminKeyFile() {
        return home.resolve(name).resolve("admin-key");
    }

    /** The file that holds stdout and stderr of every start. */
    public Path log() {
        return log;
    }

    /** Copies the log to {@code file} (a test's output kept under target/ after its temporary home is gone). */
    public void copyLogTo(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.copy(log, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(int lines) {
        List<String> all = logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The HTTP status of a GET without credentials, or -1 when nothing answers. */
    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Path jar() {
        return module.resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static void waitFor(Process p) {
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A port free now; kept for the instance's life so that restarts answer at the same address. */
    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
