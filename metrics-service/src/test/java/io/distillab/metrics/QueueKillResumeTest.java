package io.distillab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.metrics.queue.AnalysisQueue;
import io.distillab.metrics.queue.AnalysisRunner;
import io.distillab.metrics.queue.AnalysisWorker;
import io.distillab.metrics.queue.Progress;
import io.distillab.metrics.queue.WorkerPool;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two workers on one PostgreSQL queue, as two replicas would be. Worker A claims an analysis and is
 * killed in the middle of it (no more heartbeats, claims or progress); once its lease expires,
 * worker B takes the analysis over and completes it. When A's computation, stuck on the CPU of the
 * "dead" replica, finally finishes, its completion is refused: the analysis completes once.
 */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class QueueKillResumeTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration HEARTBEAT = Duration.ofMillis(400);
    private static final Duration POLL = Duration.ofMillis(100);

    @Inject
    WorkerPool pool;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    AnalysisRunner runner;

    @Test
    void aKilledWorkersAnalysisIsTakenOverAfterTheLeaseAndCompletesOnce() throws Exception {
        long dataset = TestData.newDataset("kill");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null);
        pool.stop(); // this replica's own workers stay out of the way
        AnalysisWorker a = null;
        AnalysisWorker b = null;
        try {
            AnalysisQueue queue = new AnalysisQueue(dataSource, LEASE, 3);
            CountDownLatch aIsComputing = new CountDownLatch(1);
            CountDownLatch resumeA = new CountDownLatch(1);
            // worker A runs the real analysis, but its replica "freezes" when the pairs phase starts
            AnalysisRunner freezing = (job, progress) -> runner.run(job, new Progress() {
                @Override
                public void phase(String name, int total) {
                    progress.phase(name, total);
                    if (name.equals("pairs")) {
                        aIsComputing.countDown();
                        // frozen: kill()'s interrupt does not wake it, only the test does
                        while (resumeA.getCount() > 0) {
                            try {
                                resumeA.await();
                            } catch (InterruptedException ignored) {
                                // still frozen
                            }
                        }
                    }
                }

                @Override
                public void advance(int done) {
                    progress.advance(done);
                }
            });
            a = new AnalysisWorker("replica-a", queue, freezing, HEARTBEAT, POLL);
            a.start();
            long id = TestData.submit(Map.of("dataset", dataset, "splitTrials", true, "bootstrap", 50));
            assertTrue(aIsComputing.await(60, TimeUnit.SECONDS), "worker A never started the analysis");
            JsonPath running = TestData.view(id);
            assertEquals("running", running.getString("status"));
            assertEquals(1, running.getInt("attempts"));

            a.kill();
            long killedAt = System.nanoTime();
            b = new AnalysisWorker("replica-b", queue, runner, HEARTBEAT, POLL);
            b.start();
            JsonPath done = TestData.await(id, Duration.ofMinutes(2));
            double takeover = (System.nanoTime() - killedAt) / 1e9;
            assertEquals("done", done.getString("status"), done.prettify());
            assertEquals(2, done.getInt("attempts"));
            assertTrue(takeover >= LEASE.toMillis() / 1000.0 - 0.5, "taken over before the lease expired: " + takeover);
            assertEquals(1, b.completed());

            // the frozen replica wakes up, finishes its computation and is refused
            resumeA.countDown();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (a.discarded() == 0 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(1, a.discarded());
            assertEquals(0, a.completed());
            assertEquals(1, resultRows(id));

            JsonNode expected = InProcess.analyze(AnalysisOptions.defaults().withBootstrap(50, 0),
                    t -> t.withModel(t.model() + "/trial-" + t.trial()), t -> { }, "tau-bench", TestData.tauBench());
            assertEquals(expected, InProcess.JSON.readTree(TestData.result(id)));
        } finally {
            if (a != null) {
                a.kill();
            }
            if (b != null) {
                b.stop(Duration.ofSeconds(5));
            }
            pool.start();
        }
    }

    @Test
    void aStoppingReplicaHandsItsAnalysisBackAtOnce() throws Exception {
        long dataset = TestData.newDataset("handback");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null);
        pool.stop();
        long id;
        try {
            AnalysisQueue queue = new AnalysisQueue(dataSource, Duration.ofMinutes(10), 3);
            CountDownLatch computing = new CountDownLatch(1);
            AnalysisRunner blocking = (job, progress) -> {
                computing.countDown();
                new CountDownLatch(1).await(); // until interrupted by stop()
                throw new IllegalStateException("unreachable");
            };
            AnalysisWorker a = new AnalysisWorker("replica-stopping", queue, blocking, HEARTBEAT, POLL);
            a.start();
            id = TestData.submit(Map.of("dataset", dataset));
            assertTrue(computing.await(60, TimeUnit.SECONDS));
            a.stop(Duration.ofSeconds(5));
            JsonPath v = TestData.view(id);
            assertEquals("queued", v.getString("status"));
            assertEquals(0, v.getInt("attempts"));
        } finally {
            pool.start(); // with a 10-minute lease the pool could not take it over: it was handed back
        }
        JsonPath done = TestData.await(id, Duration.ofMinutes(2));
        assertEquals("done", done.getString("status"));
        assertEquals(1, done.getInt("attempts"));
    }

    private int resultRows(long id) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM analysis_result WHERE analysis_id = " + id)) {
            rs.next();
            return rs.getInt(1);
        }
    }

}
