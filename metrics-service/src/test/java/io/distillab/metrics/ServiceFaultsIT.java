package io.distillab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.metrics.grpc.v1.ListDatasetsRequest;
import io.distillab.metrics.grpc.v1.MetricsGrpc;
import io.distillab.service.support.testing.DatabaseOutageDrill;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.distillab.service.support.testing.PackagedService;
import io.distillab.service.support.testing.RestartablePostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged metrics-service, run as a user runs it ({@code java -jar quarkus-run.jar}), under the
 * faults a server meets: its PostgreSQL stopped and restarted while clients keep asking, and the
 * service itself SIGKILLed in the middle of an import and an analysis.
 *
 * <p>Needs the service packaged: a failsafe test ({@code ./mvnw -B -pl metrics-service -am verify}).
 * The outage's phases and tolerances are {@link DatabaseOutageDrill}'s (service-support, shared with
 * judge-service's and trainer-service's outage tests): a request may take at most
 * {@link DatabaseOutageDrill#ANSWER_WITHIN}, readiness must follow the database within
 * {@link DatabaseOutageDrill#HEALTH_FOLLOWS}.
 */
class ServiceFaultsIT {
    static final Duration STARTUP = Duration.ofMinutes(3);
    static final Duration ANSWER_WITHIN = DatabaseOutageDrill.ANSWER_WITHIN;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path work;

    static byte[] tauBench;
    /** Three trajectories of the tau-bench file: a small upload. */
    static byte[] smallUpload;

    @BeforeAll
    static void data() throws IOException {
        tauBench = Files.readAllBytes(TestData.tauBench());
        ArrayNode all = (ArrayNode) JSON.readTree(tauBench);
        ArrayNode three = JSON.createArrayNode();
        for (int i = 0; i < 3; i++) {
            three.add(all.get(i));
        }
        smallUpload = JSON.writeValueAsBytes(three);
    }

    // ------------------------------------------------------------------------------------------
    // PostgreSQL stopped (immediate shutdown) and restarted under load
    // ------------------------------------------------------------------------------------------

    @Test
    void postgresStoppedUnderLoadAnswers503ThenRecoversWithoutRestartAndLosesNothingAcknowledged() throws Exception {
        RestartablePostgres pg = RestartablePostgres.start(work.resolve("external-pg"));
        PackagedService metrics = PackagedService.of(TestData.root().resolve("metrics-service"), work.resolve("home-a"))
                .property("quarkus.datasource.jdbc.url", pg.jdbcUrl())
                // three clients as fast as the service answers, with one key: the rate limit would
                // answer 429s, which this test of the database's outage does not measure
                .property("distillab.limits.rate.enabled", "false")
                .property("distillab.worker.poll", "200ms")
                .jvmOption("-Xmx512m");
        ManagedChannel channel = null;
        try {
            metrics.start().awaitReady(STARTUP);
            String key = metrics.adminKey();
            long dataset = createDataset(metrics, key, "load-" + System.nanoTime()).orElseThrow();
            channel = NettyChannelBuilder.forAddress("localhost", metrics.port()).usePlaintext().build();
            MetricsGrpc.MetricsBlockingStub grpc = MetricsGrpc.newBlockingStub(channel)
                    .withInterceptors(TestAuth.grpcAuthorization("Bearer " + key));
            DatabaseOutageDrill.Result drill = DatabaseOutageDrill.run(metrics, pg, 3,
                    () -> oneRequest(metrics, key, dataset, grpc));
            System.out.println("database outage drill, what the clients met:\n" + drill.summary());
            drill.assertCleanOutageAndRecovery();

            // Nothing acknowledged is lost: every dataset created and every upload stored is there.
            Set<String> names = new HashSet<>();
            listAll(metrics, key, "/api/v1/datasets").forEach(d -> names.add(d.get("name").asText()));
            JsonNode uploads = listAll(metrics, key, "/api/v1/datasets/" + dataset + "/uploads");
            Set<String> uploadIds = new HashSet<>();
            uploads.forEach(u -> uploadIds.add(u.get("id").asText()));
            for (String name : drill.acknowledged("create")) {
                assertTrue(names.contains(name), "acknowledged dataset lost: " + name);
            }
            List<String> acknowledgedUploads = drill.acknowledged("upload");
            assertFalse(acknowledgedUploads.isEmpty());
            for (String id : acknowledgedUploads) {
                assertTrue(uploadIds.contains(id), "acknowledged upload lost: " + id);
            }
            // an upload is whole or absent: the dataset holds exactly its uploads' trajectories
            JsonNode view = getJson(metrics, key, "/api/v1/datasets/" + dataset);
            assertEquals(3L * uploads.size(), view.get("trajectories").asLong());
            assertTrue(metrics.logText().contains("Database unavailable, answering 503"));
            assertFalse(drill.of("grpc-list").isEmpty(), "no gRPC call was made");
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\n--- the service's output, last lines:\n" + metrics.logTail(80), e);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            metrics.close();
            pg.close();
        }
    }

    /** A request of the mix: create a dataset, upload three trajectories, or list datasets (over REST or gRPC). */
    static DatabaseOutageDrill.Outcome oneRequest(PackagedService metrics, String key, long dataset,
                                                  MetricsGrpc.MetricsBlockingStub grpc) {
        int dice = ThreadLocalRandom.current().nextInt(10);
        HttpRequest.Builder request = HttpRequest.newBuilder().header("Authorization", "Bearer " + key)
                .timeout(ANSWER_WITHIN.multipliedBy(2));
        if (dice < 4) {
            String name = "fault-" + System.nanoTime() + "-" + ThreadLocalRandom.current().nextInt(1_000_000);
            return DatabaseOutageDrill.send(HTTP, "create", request.uri(URI.create(metrics.url("/api/v1/datasets")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(), r -> name);
        } else if (dice < 8) {
            return DatabaseOutageDrill.send(HTTP, "upload", request.uri(URI.create(metrics.url("/api/v1/datasets/"
                            + dataset + "/trajectories?format=tau-bench&filename=small-airline.json")))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(smallUpload)).build(),
                    r -> JSON.readTree(r.body()).get("id").asText());
        } else if (dice < 9) {
            return DatabaseOutageDrill.send(HTTP, "list", request.uri(URI.create(metrics.url("/api/v1/datasets"))).GET().build(),
                    null);
        }
        return DatabaseOutageDrill.sendGrpc("grpc-list", () -> {
            grpc.withDeadlineAfter(ANSWER_WITHIN.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .listDatasets(ListDatasetsRequest.newBuilder().setSize(20).build());
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------
    // SIGKILL during an import and an analysis, on the service's own embedded PostgreSQL
    // ------------------------------------------------------------------------------------------

    @Test
    void killedDuringAnImportAndAnAnalysisRestartsOnItsOrphanedDatabaseKeepsNoHalfImportAndFinishesTheAnalysis()
            throws Exception {
        PackagedService metrics = PackagedService.of(TestData.root().resolve("metrics-service"), work.resolve("home-b"))
                .property("distillab.worker.lease", "4s")
                .property("distillab.worker.heartbeat", "1s")
                .property("distillab.worker.poll", "200ms")
                .jvmOption("-Xmx768m");
        try {
            metrics.start().awaitReady(STARTUP);
            String key = metrics.adminKey();
            long full = createDataset(metrics, key, "analysed").orElseThrow();
            assertEquals(201, upload(metrics, key, full, "gpt-4o-airline.json", tauBench).statusCode());
            long target = createDataset(metrics, key, "imported").orElseThrow();
            assertEquals(201, upload(metrics, key, target, "small-airline.json", smallUpload).statusCode());
            JsonNode before = getJson(metrics, key, "/api/v1/datasets/" + target);

            // a 4 MB upload streamed slowly, stalled after 3 MB: its transaction is open when the kill comes
            CountDownLatch stalled = new CountDownLatch(1);
            AtomicLong sent = new AtomicLong();
            Thread uploader = new Thread(() -> {
                try {
                    HTTP.send(HttpRequest.newBuilder(URI.create(metrics.url("/api/v1/datasets/" + target
                                    + "/trajectories?format=tau-bench&filename=gpt-4o-airline.json")))
                            .header("Authorization", "Bearer " + key)
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofInputStream(
                                    () -> new SlowStream(tauBench, 3 << 20, sent, stalled)))
                            .build(), HttpResponse.BodyHandlers.ofString());
                } catch (IOException | InterruptedException expected) {
                    // the server died under the request
                }
            }, "slow-upload");
            uploader.setDaemon(true);
            uploader.start();
            assertTrue(stalled.await(2, TimeUnit.MINUTES), "the upload never reached 3 MB");
            int postgresPort = embeddedPostgresPort(metrics);
            awaitOpenCopy(postgresPort, Duration.ofSeconds(30));

            // and an analysis (some seconds long), killed as soon as a worker has claimed it
            int bootstrap = 300;
            long analysis = submit(metrics, key, Map.of("dataset", full, "splitTrials", true, "bootstrap", bootstrap));
            awaitStatus(metrics, key, analysis, "running", Duration.ofMinutes(1));

            metrics.kill();
            Path pgData = metrics.home().resolve("metrics-service/postgres");
            long orphan = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
            assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
                    "the killed service's PostgreSQL should be left running: the case under test");

            metrics.start().awaitReady(STARTUP);
            assertFalse(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
                    "the orphaned PostgreSQL still runs");
            assertTrue(metrics.logText().contains("Stopping PostgreSQL (pid " + orphan + ") left running on"),
                    "the restart says it stopped the orphan (OrphanedPostgres)");

            // the import: all or nothing, here nothing
            JsonNode after = getJson(metrics, key, "/api/v1/datasets/" + target);
            for (String count : List.of("uploads", "trajectories", "models", "tasks")) {
                assertEquals(before.get(count).asLong(), after.get(count).asLong(), count + " of " + after);
            }
            assertEquals(1, listAll(metrics, key, "/api/v1/datasets/" + target + "/uploads").size());

            // the analysis: taken over once the dead replica's lease expired, run to completion once
            JsonNode done = awaitStatus(metrics, key, analysis, "done", Duration.ofMinutes(3));
            assertEquals(2, done.get("attempts").asInt(), done.toString());
            JsonNode expected = InProcess.analyze(AnalysisOptions.defaults().withBootstrap(bootstrap, 0),
                    t -> t.withModel(t.model() + "/trial-" + t.trial()), t -> { }, "tau-bench", TestData.tauBench());
            assertEquals(expected, getJson(metrics, key, "/api/v1/analyses/" + analysis + "/result"));
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\n--- the service's output, last lines:\n" + metrics.logTail(80), e);
        } finally {
            metrics.close();
        }
    }

    /**
     * The body of a slow upload: 64 KiB every 50 ms up to {@code stallAt} bytes, then nothing for
     * {@link #STALL} (then the end: a truncated file, refused, should the kill not have come).
     */
    static final class SlowStream extends InputStream {
        static final Duration STALL = Duration.ofMinutes(3);
        private final byte[] data;
        private final int stallAt;
        private final AtomicLong sent;
        private final CountDownLatch stalled;
        private int position;

        SlowStream(byte[] data, int stallAt, AtomicLong sent, CountDownLatch stalled) {
            this.data = data;
            this.stallAt = stallAt;
            this.sent = sent;
            this.stalled = stalled;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= stallAt) {
                stalled.countDown();
                pause(STALL.toMillis()); // the test kills the service meanwhile
                return -1;
            }
            pause(50);
            int n = Math.min(Math.min(len, 64 << 10), stallAt - position);
            System.arraycopy(data, position, b, off, n);
            position += n;
            sent.addAndGet(n);
            return n;
        }
    }

    /** The embedded PostgreSQL's port, as the service logged it. */
    static int embeddedPostgresPort(PackagedService service) {
        Matcher m = Pattern.compile("Embedded PostgreSQL listening on localhost:(\\d+)").matcher(service.logText());
        int port = -1;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
        }
        assertNotEquals(-1, port, "no embedded PostgreSQL port in the log");
        return port;
    }

    /**
     * Waits until a backend holds the import's open transaction: its last statement the upload's row
     * (inserted first) or a COPY of trajectories (every 4 MB of rows), not yet committed.
     */
    static void awaitOpenCopy(int port, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres?user=postgres");
             Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE xact_start IS NOT NULL "
                        + "AND (query LIKE 'COPY trajectory%' OR query LIKE 'INSERT INTO upload%')")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "the import never opened its transaction");
                pause(100);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // small REST helpers
    // ------------------------------------------------------------------------------------------

    static Optional<Long> createDataset(PackagedService s, String key, String name) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/api/v1/datasets")))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("name", name)))).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 201 ? Optional.of(JSON.readTree(r.body()).get("id").asLong()) : Optional.empty();
    }

    static HttpResponse<String> upload(PackagedService s, String key, long dataset, String fileName, byte[] body)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/api/v1/datasets/" + dataset
                        + "/trajectories?format=tau-bench&filename=" + fileName)))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static long submit(PackagedService s, String key, Map<String, Object> parameters) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/api/v1/analyses")))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(parameters))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asLong();
    }

    static JsonNode awaitStatus(PackagedService s, String key, long analysis, String status, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            JsonNode v = getJson(s, key, "/api/v1/analyses/" + analysis);
            if (v.get("status").asText().equals(status)) {
                return v;
            }
            assertNotEquals("failed", v.get("status").asText(), v.toString());
            assertTrue(System.nanoTime() < deadline, "analysis not " + status + " within " + within + ": " + v);
            pause(100);
        }
    }

    static JsonNode getJson(PackagedService s, String key, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.url(path)))
                .header("Authorization", "Bearer " + key).timeout(ANSWER_WITHIN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    /** Every item of a paged list ({@code {"items", "page", "size", "total"}}), all pages. */
    static JsonNode listAll(PackagedService s, String key, String path) throws Exception {
        com.fasterxml.jackson.databind.node.ArrayNode all = JSON.createArrayNode();
        for (int page = 0; ; page++) {
            JsonNode p = getJson(s, key, path + (path.contains("?") ? "&" : "?") + "size=500&page=" + page);
            p.get("items").forEach(all::add);
            if (p.get("items").size() < 500) {
                return all;
            }
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
