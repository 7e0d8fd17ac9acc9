package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.trainer.queue.JobQueue;
import io.distillab.trainer.queue.JobRunner;
import io.distillab.trainer.queue.JobWorker;
import io.distillab.trainer.queue.Scheduler;
import io.distillab.trainer.queue.Slot;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.agroal.api.AgroalDataSource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;

/**
 * Workers of two "replicas" on one PostgreSQL queue: jobs are shared out and none is trained
 * twice; a replica killed in the middle of a job leaves it to the other, which takes it over when
 * the lease expires and resumes it from the last checkpoint, ending with the loss of an
 * uninterrupted run.
 */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class JobQueueTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @Inject
    Scheduler scheduler;

    @Inject
    AgroalDataSource dataSource;

    private final List<JobWorker> workers = new ArrayList<>();

    @AfterEach
    void restore() {
        workers.forEach(JobWorker::kill);
        ScriptedTrainingEngine.stepMillis = 0;
        scheduler.start();
    }

    private JobWorker worker(String owner, JobQueue queue, int slot) {
        JobWorker w = new JobWorker(owner, new Slot(Slot.Kind.CPU, slot, false), queue, scheduler.runner(), HEARTBEAT,
                Duration.ofMillis(50));
        workers.add(w);
        w.start();
        return w;
    }

    @Test
    void twoReplicasNeverRunOneJobTwice() throws Exception {
        TestData.useDoubles();
        scheduler.stop(); // this replica's own workers stay out of the way
        ScriptedTrainingEngine.stepMillis = 5;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(TestData.submitUpload(TestData.params("steps", 4, "seed", i)));
        }
        JobQueue queue = new JobQueue(dataSource, LEASE, 5);
        int before = ScriptedTrainingEngine.RUNS.size();
        for (int i = 0; i < 3; i++) {
            worker("replica-a-" + i, queue, i);
            worker("replica-b-" + i, queue, i);
        }
        Map<String, Integer> byOwner = new TreeMap<>();
        for (long id : ids) {
            JsonPath v = TestData.await(id, Duration.ofMinutes(1));
            assertEquals("succeeded", v.getString("status"), v.prettify());
            assertEquals(1, v.getInt("attempts"));
            JsonPath history = givenAdmin().get("/api/v1/jobs/" + id + "/transitions").then().extract().jsonPath();
            assertEquals(List.of("queued", "running", "succeeded"), history.getList("to"));
            JsonPath runs = givenAdmin().get("/api/v1/jobs/" + id + "/attempts").then().statusCode(200).extract().jsonPath();
            assertEquals(List.of("succeeded"), runs.getList("outcome"), runs.prettify());
            assertEquals(history.getString("owner[1]"), runs.getString("owner[0]"));
            byOwner.merge(history.getString("owner[1]").replaceAll("-\\d+$", ""), 1, Integer::sum);
        }
        // each job was trained exactly once: one run per job's out folder
        List<String> runs = ScriptedTrainingEngine.RUNS.subList(before, ScriptedTrainingEngine.RUNS.size());
        assertEquals(ids.size(), runs.size(), runs.toString());
        assertEquals(ids.size(), runs.stream().distinct().count(), runs.toString());
        assertEquals(ids.size(), workers.stream().mapToInt(JobWorker::finished).sum());
        assertEquals(0, workers.stream().mapToInt(JobWorker::discarded).sum());
        assertTrue(byOwner.keySet().size() >= 1, byOwner.toString());
    }

    @Test
    void aKilledReplicasJobResumesFromItsCheckpointElsewhere() throws Exception {
        TestData.useDoubles();
        long reference = TestData.submitUpload(TestData.params("steps", 30, "checkpointEvery", 5, "seed", 9));
        JsonPath uninterrupted = TestData.await(reference, Duration.ofMinutes(1));
        assertEquals("succeeded", uninterrupted.getString("status"));

        scheduler.stop();
        ScriptedTrainingEngine.stepMillis = 60;
        JobQueue queue = new JobQueue(dataSource, LEASE, 5);
        JobWorker a = worker("replica-a", queue, 0);
        long id = TestData.submitUpload(TestData.params("steps", 30, "checkpointEvery", 5, "seed", 9));
        JsonPath running = TestData.awaitStep(id, 12, Duration.ofMinutes(1));
        assertEquals("running", running.getString("status"));
        a.kill();
        long killedAt = System.nanoTime();
        int before = ScriptedTrainingEngine.RUNS.size();
        worker("replica-b", queue, 0);
        JsonPath done = TestData.await(id, Duration.ofMinutes(1));
        double takeover = (System.nanoTime() - killedAt) / 1e9;
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(2, done.getInt("attempts"));
        assertTrue(takeover >= LEASE.toMillis() / 1000.0 - 0.5, "taken over before the lease expired: " + takeover);
        // replica B resumed from a checkpoint replica A wrote (step 10 or later: A stopped after step 12), not
        // from the start
        String resumed = ScriptedTrainingEngine.RUNS.get(before);
        long from = Long.parseLong(resumed.substring(resumed.lastIndexOf(' ') + 1));
        assertTrue(from >= 10, resumed);
        assertEquals(uninterrupted.getDouble("finalLoss"), done.getDouble("finalLoss"), 0.0);
        JsonPath history = givenAdmin().get("/api/v1/jobs/" + id + "/transitions").then().extract().jsonPath();
        assertEquals(List.of("queued", "running", "running", "succeeded"), history.getList("to"));
        assertTrue(history.getString("reason[2]").startsWith("taken over"), history.getString("reason[2]"));
        // the record of the two runs: A's, closed by B's takeover, and B's from A's last recorded checkpoint
        JsonPath runs = givenAdmin().get("/api/v1/jobs/" + id + "/attempts").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("replica-a", "replica-b"), runs.getList("owner"), runs.prettify());
        assertEquals(List.of("lease expired", "succeeded"), runs.getList("outcome"), runs.prettify());
        assertEquals(0L, runs.getLong("fromStep[0]"));
        assertTrue(runs.getLong("lastStep[0]") >= 12, runs.prettify());
        assertTrue(runs.getLong("fromStep[1]") >= 10 && runs.getLong("fromStep[1]") <= from, runs.prettify());
        assertEquals(30L, runs.getLong("lastStep[1]"));
        // the loss curve has every step once, as the uninterrupted run's
        assertEquals(givenAdmin().get("/api/v1/jobs/" + reference + "/loss").then().extract().jsonPath().getList("loss"),
                givenAdmin().get("/api/v1/jobs/" + id + "/loss").then().extract().jsonPath().getList("loss"));
    }

    @Test
    void aStoppingReplicaHandsItsJobBackAtOnce() throws Exception {
        TestData.useDoubles();
        scheduler.stop();
        ScriptedTrainingEngine.stepMillis = 60;
        JobQueue queue = new JobQueue(dataSource, Duration.ofMinutes(10), 5);
        JobWorker a = worker("replica-stopping", queue, 0);
        long id = TestData.submitUpload(TestData.params("steps", 40, "checkpointEvery", 100));
        TestData.awaitStep(id, 3, Duration.ofMinutes(1));
        a.stop(Duration.ofSeconds(10));
        JsonPath v = TestData.view(id);
        assertEquals("queued", v.getString("status"));
        // handed back with a checkpoint of the step it stopped after
        assertTrue(v.getLong("checkpointStep") >= 3, v.prettify());
        ScriptedTrainingEngine.stepMillis = 0;
        scheduler.start(); // with a 10-minute lease nothing could take it over: it was handed back
        JsonPath done = TestData.await(id, Duration.ofMinutes(1));
        assertEquals("succeeded", done.getString("status"));
        assertEquals(1, done.getInt("attempts"));
        // a handed-back run is recorded but not counted: the run after it is attempt 1 again
        JsonPath runs = givenAdmin().get("/api/v1/jobs/" + id + "/attempts").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("handed back", "succeeded"), runs.getList("outcome"), runs.prettify());
        assertEquals(1, runs.getInt("attempt[0]"));
        assertEquals(1, runs.getInt("attempt[1]"));
        assertEquals(v.getLong("checkpointStep"), runs.getLong("fromStep[1]"));
    }
}
