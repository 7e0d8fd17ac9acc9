package io.distillab.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.EmbeddedPostgresServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three packaged services on ONE PostgreSQL server, configured exactly as the chart configures
 * their pods: the chart's init SQL creates the databases and users (its psql variables filled from
 * the chart's Secret), each service runs as the image's entrypoint runs it
 * (k8s/images/SERVICE/Dockerfile.jvm, paths mapped to target/quarkus-app) with the environment the
 * chart gives its container (ConfigMap and Secret resolved; Service host names mapped to loopback
 * ports). All must migrate their own database and answer their health checks.
 *
 * <p>Needs the services packaged: a failsafe test, after the reactor has built them
 * ({@code ./mvnw -B -pl k8s -am verify}).
 */
class ServicesOnOnePostgresIT {
    static final List<String> SERVICES = ChartTest.SERVICES;
    static final Duration STARTUP = Duration.ofMinutes(4);

    static RenderedChart chart;
    static EmbeddedPostgresServer postgres;
    static Path work;
    static final Map<String, Integer> ports = new LinkedHashMap<>();
    static final Map<String, Process> processes = new LinkedHashMap<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startEverything() throws Exception {
        for (String service : SERVICES) {
            Path app = RenderedChart.ROOT.resolve(service + "/target/quarkus-app");
            assertTrue(Files.isRegularFile(app.resolve("quarkus-run.jar")),
                    app + " is missing: package the services first (./mvnw -B -pl k8s -am verify)");
        }
        chart = RenderedChart.render(Map.of());
        work = Files.createTempDirectory("distillab-services-");
        postgres = EmbeddedPostgresServer.startThrowaway();
        runInitSql();
        for (String service : SERVICES) {
            ports.put(service, freePort());
        }
        for (String service : SERVICES) {
            processes.put(service, start(service));
        }
        long deadline = System.nanoTime() + STARTUP.toNanos();
        for (String service : SERVICES) {
            while (!ready(service)) {
                if (!processes.get(service).isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(service + " did not become ready:\n" + tail(service));
                }
                Thread.sleep(500);
            }
        }
    }

    @AfterAll
    static void stopEverything() throws Exception {
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            p.waitFor();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /** The chart's databases.psql with its psql variables (:'name') filled from the chart's Secret. */
    static void runInitSql() throws SQLException {
        String sql = chart.get(ConfigMap.class, RenderedChart.FULL + "-postgresql-init").getData().get("databases.psql");
        Secret secret = chart.get(Secret.class, RenderedChart.FULL + "-secrets");
        Matcher m = Pattern.compile(":'([a-z_]+)'").matcher(sql);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            String password = ChartTest.decoded(secret, m.group(1).replace('_', '-'));
            m.appendReplacement(filled, Matcher.quoteReplacement("'" + password.replace("'", "''") + "'"));
        }
        m.appendTail(filled);
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl()); Statement s = c.createStatement()) {
            for (String statement : filled.toString().split(";\\s*\\n")) {
                String body = statement.lines().filter(l -> !l.strip().startsWith("--")).reduce("", (a, b) -> a + "\n" + b).strip();
                if (!body.isEmpty()) {
                    s.execute(body);
                }
            }
        }
    }

    /** The pod's environment, with the Secret's values and loopback addresses for the release's Services. */
    static Map<String, String> podEnvironment(String service) {
        Container c = ChartTest.container(chart, service);
        Map<String, String> env = NetworkPaths.environment(chart, c);
        Secret secret = chart.get(Secret.class, RenderedChart.FULL + "-secrets");
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
                    && secret.getData().containsKey(e.getValueFrom().getSecretKeyRef().getKey())) {
                env.put(e.getName(), ChartTest.decoded(secret, e.getValueFrom().getSecretKeyRef().getKey()));
            }
        }
        // Kubernetes' $(VAR) references to variables defined before, in the list's order
        for (EnvVar e : c.getEnv()) {
            String value = env.get(e.getName());
            if (value != null) {
                Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
                StringBuilder expanded = new StringBuilder();
                while (m.find()) {
                    String ref = env.get(m.group(1));
                    m.appendReplacement(expanded, Matcher.quoteReplacement(ref == null ? m.group() : ref));
                }
                m.appendTail(expanded);
                env.put(e.getName(), expanded.toString());
            }
        }
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put(RenderedChart.FULL + "-postgresql:5432", "localhost:" + postgres.port());
        for (String other : SERVICES) {
            hosts.put(RenderedChart.FULL + "-" + other + ":80", "localhost:" + ports.get(other));
        }
        env.replaceAll((k, v) -> {
            for (var h : hosts.entrySet()) {
                v = v.replace("//" + h.getKey(), "//" + h.getValue());
            }
            return v;
        });
        env.put("QUARKUS_HTTP_PORT", String.valueOf(ports.get(service)));
        if (env.containsKey("DISTILLAB_MODEL_STORE")) {
            env.put("DISTILLAB_MODEL_STORE", work.resolve(service + "-models").toString());
        }
        return env;
    }

    /** The image's entrypoint with /deployments mapped to the build's quarkus-app and /tmp to a folder of the test. */
    static Process start(String service) throws IOException {
        var docker = Images.Dockerfile.read(RenderedChart.ROOT.resolve("k8s/images/" + service + "/Dockerfile.jvm"));
        String entrypoint = docker.last("ENTRYPOINT");
        Path tmp = Files.createDirectories(work.resolve(service + "-tmp"));
        List<String> command = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(entrypoint);
        while (m.find()) {
            command.add(m.group(1)
                    .replace("/deployments/", RenderedChart.ROOT.resolve(service + "/target/quarkus-app") + "/")
                    .replace("=/tmp", "=" + tmp));
        }
        assertEquals("java", command.get(0));
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(service + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("DISTILLAB_"));
        env.putAll(podEnvironment(service));
        return pb.start();
    }

    static boolean ready(String service) {
        return get(service, "/q/health/ready").statusCode() == 200;
    }

    static HttpResponse<String> get(String service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(service) + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new FailedResponse();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String tail(String service) {
        try {
            List<String> lines = Files.readAllLines(work.resolve(service + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Connection connectAs(String service, String database) throws SQLException {
        Map<String, String> env = podEnvironment(service);
        String url = "jdbc:postgresql://localhost:" + postgres.port() + "/" + database;
        return DriverManager.getConnection(url, env.get("QUARKUS_DATASOURCE_USERNAME"), env.get("QUARKUS_DATASOURCE_PASSWORD"));
    }

    static String database(String service) {
        String url = podEnvironment(service).get("QUARKUS_DATASOURCE_JDBC_URL");
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void everyServiceAnswersItsHealthChecks() {
        for (String service : SERVICES) {
            for (String check : List.of("/q/health/started", "/q/health/live", "/q/health/ready", "/q/health")) {
                HttpResponse<String> r = get(service, check);
                assertEquals(200, r.statusCode(), service + check + ": " + r.body());
                assertTrue(r.body().contains("\"status\": \"UP\"") || r.body().contains("\"status\":\"UP\""), r.body());
            }
        }
    }

    @Test
    void everyServiceMigratedItsOwnDatabaseOnly() throws SQLException {
        List<String> migrated = new ArrayList<>();
        for (String service : SERVICES) {
            ServiceConfig config = ServiceConfig.of(service);
            if (!config.usesFlyway()) {
                continue; // trainer-service before it has a database of its own
            }
            migrated.add(service);
            String db = database(service);
            assertEquals("distillab_" + service.replace("-service", ""), db);
            try (Connection c = connectAs(service, db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                         + config.flywayTable() + "'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), service + ": its Flyway history " + config.flywayTable() + " in " + db);
            }
            for (String other : SERVICES) {
                if (other.equals(service) || !ServiceConfig.of(other).usesFlyway()) {
                    continue;
                }
                String otherDb = database(other);
                try (Connection c = connectAs(other, otherDb); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                             + config.flywayTable() + "'")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), service + "'s history must not be in " + otherDb);
                }
                // and a service's user cannot even open another service's database
                SQLException refused = assertThrows(SQLException.class, () -> connectAs(service, otherDb).close());
                assertTrue(refused.getMessage().contains("permission denied"), refused.getMessage());
            }
        }
        assertTrue(migrated.containsAll(List.of("metrics-service", "judge-service")), migrated.toString());
        // the two histories differ in name too: one database handed to both would fail loudly
        assertFalse(ServiceConfig.of("metrics-service").flywayTable().equals(ServiceConfig.of("judge-service").flywayTable()));
    }

    static HttpResponse<String> get(String service, String path, String key) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(service) + path))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(String service, String path, String key, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(service) + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The keys of the chart's Secret work as the chart means them, with no key made by hand: the
     * bootstrap admin key on every service, trainer-service's as a reader on metrics-service (a
     * job on a metrics-service dataset is read through it), metrics-service's as a writer on judge-service.
     */
    @Test
    void theSecretsKeysAreAcceptedWithTheirRoles() throws Exception {
        Secret secret = chart.get(Secret.class, RenderedChart.FULL + "-secrets");
        String admin = ChartTest.decoded(secret, "bootstrap-admin-key");
        String trainerKey = ChartTest.decoded(secret, "trainer-metrics-key");
        String metricsKey = ChartTest.decoded(secret, "metrics-judge-key");
        for (String service : SERVICES) {
            assertEquals(401, get(service, "/api/v1/api-keys").statusCode(), service + " without a key");
            HttpResponse<String> keys = get(service, "/api/v1/api-keys", admin);
            assertEquals(200, keys.statusCode(), service + ": " + keys.body());
            assertTrue(keys.body().contains("\"bootstrap-admin\""), keys.body());
        }
        assertEquals(200, get("metrics-service", "/api/v1/datasets", trainerKey).statusCode());
        assertEquals(403, post("metrics-service", "/api/v1/datasets", trainerKey, "{\"name\":\"x\"}").statusCode(),
                "trainer-service's key reads only");
        assertEquals(403, get("judge-service", "/api/v1/api-keys", metricsKey).statusCode(), "metrics-service's key is no admin");
        assertEquals(401, get("judge-service", "/api/v1/api-keys", trainerKey).statusCode(), "judge-service does not know trainer-service");

        // trainer-service reads a dataset of metrics-service with its key: the job gets past the data
        HttpResponse<String> dataset = post("metrics-service", "/api/v1/datasets", admin,
                "{\"name\":\"chart-keys-" + System.nanoTime() + "\"}");
        assertEquals(201, dataset.statusCode(), dataset.body());
        long id = Long.parseLong(dataset.body().replaceAll("(?s).*\"id\"\\s*:\\s*(\\d+).*", "$1"));
        HttpResponse<String> job = post("trainer-service", "/api/v1/jobs", admin, "{\"dataset\":" + id
                + ",\"studentConfig\":{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_positions\":64,"
                + "\"n_embd\":16,\"n_layer\":1,\"n_head\":2},\"tokenizer\":\"gpt2\",\"steps\":1,\"batchSize\":1,"
                + "\"device\":\"cpu\"}");
        // the dataset is empty: refused for its data (400), after metrics-service let trainer-service read
        // it; a refused key would answer 503 "metrics-service answered 401"
        assertEquals(400, job.statusCode(), job.body());
        assertTrue(job.body().contains("dataset " + id + " has no trajectories"), job.body());
    }

    @Test
    void metricsServiceExportsTheQueueMetricTheAutoscalersRead() {
        String metrics = get("metrics-service", "/q/metrics").body();
        for (String status : List.of("queued", "running")) {
            assertTrue(metrics.contains(QueueMetric.NAME + "{status=\"" + status + "\"} 0.0"),
                    "no " + QueueMetric.NAME + " for " + status + " in /q/metrics:\n"
                            + metrics.lines().filter(l -> l.startsWith("distillab")).toList());
        }
    }

    @Test
    void theBuildWritesWhatTheDockerfilesCopy() {
        for (String service : SERVICES) {
            Path app = RenderedChart.ROOT.resolve(service + "/target/quarkus-app");
            for (String part : ImagesTest.FAST_JAR.keySet()) {
                Path p = app.resolve(part);
                assertTrue(part.endsWith("/") ? Files.isDirectory(p) : Files.isRegularFile(p), p.toString());
            }
        }
        Path cli = RenderedChart.ROOT.resolve("cli/target");
        assertTrue(Files.isRegularFile(cli.resolve("distillab-cli.jar")) && Files.isDirectory(cli.resolve("lib")),
                "the trainer image copies cli/target/distillab-cli.jar and lib/");
    }

    /** A connection refused: not ready yet. */
    private static final class FailedResponse implements HttpResponse<String> {
        public int statusCode() { return -1; }
        public HttpRequest request() { return null; }
        public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
        public String body() { return ""; }
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
        public URI uri() { return null; }
        public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}
