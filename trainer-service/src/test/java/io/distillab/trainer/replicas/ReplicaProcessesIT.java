package io.distillab.trainer.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.service.support.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service as separate processes, with the real training engine on a tiny new GPT-2
 * student and the first bundled tau-bench trajectories:
 * <ul>
 *   <li>a service killed with SIGKILL in the middle of a job (after a checkpoint) and restarted on
 *       the same data directory (its embedded PostgreSQL, which outlived it, stopped at the restart)
 *       takes the job up again when its lease expires and resumes it from the checkpoint, ending
 *       with the final loss of an uninterrupted run;</li>
 *   <li>two replicas on one PostgreSQL share a queue of jobs and never run one twice, by the
 *       database's record of every run ({@code job_attempt}).</li>
 * </ul>
 * A failsafe test: it needs {@code target/quarkus-app}, built by {@code package}.
 */
class ReplicaProcessesIT {
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    /**
     * A killed replica's job is claimable again this long after its last heartbeat (renewed every
     * second): short, so the restarted service takes the job up soon after its start, yet long enough
     * that a live replica starved of CPU on a loaded test machine does not lose its job (seen at 3 s
     * with a load average of 30 on 2 cores).
     */
    private static final String KILL_LEASE = "10s";
    /** Where nothing is killed, a lease no stall on a loaded machine outlasts: every job must run once. */
    private static final String SHARED_LEASE = "60s";

    /** A new tiny GPT-2: the step is dominated by the 50257-way softmax over 2 x 64 positions. */
    private static final String TINY_GPT2 = "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"n_positions\": 64, "
            + "\"n_embd\": 16, \"n_layer\": 1, \"n_head\": 2, \"layer_norm_epsilon\": 1e-5, \"tie_word_embeddings\": true}";

    /** The processes' logs, kept after the run (the rest of the test's files are deleted). */
    static final Path LOGS = Path.of("target", "replica-processes").toAbsolutePath();
    static Path work;
    static Path modelStore;
    static byte[] trajectories;
    static EmbeddedPostgresServer sharedDatabase;
    static final List<TrainerProcess> processes = new ArrayList<>();
    static final List<Path> embeddedDataDirectories = new ArrayList<>();

    @BeforeAll
    static void prepare() throws IOException {
        assertTrue(Files.isRegularFile(TrainerProcess.APP), TrainerProcess.APP + " is missing: run the module's verify "
                + "(package builds it)");
        work = Files.createTempDirectory("trainer-replicas-");
        modelStore = Files.createDirectories(work.resolve("model-store"));
        Path tau = TrainerProcess.ROOT.resolve("data/tau-bench/gpt-4o-airline.json");
        // the first 8 tau-bench trajectories without their system prompt: the airline policy is ~1500 tokens
        // of OTHER, which carry no label (SPEC 7), and a 64-token window of it trains nothing. With truncate
        // each trajectory is its first window: the user's opening and the assistant's first reply
        List<String> lines = new ArrayList<>();
        TrajectoryImporter.importPath(tau, TrajectoryFormat.TAU_BENCH, null, t -> {
            if (lines.size() < 8) {
                com.fasterxml.jackson.databind.node.ObjectNode record = CanonicalRecord.toJson(t);
                JsonNode messages = record.get("messages");
                for (int i = messages.size() - 1; i >= 0; i--) {
                    if (messages.get(i).get("role").asText().equals("system")) {
                        ((com.fasterxml.jackson.databind.node.ArrayNode) messages).remove(i);
                    }
                }
                lines.add(record.toString());
            }
        });
        trajectories = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        for (TrainerProcess p : processes) {
            p.stop();
        }
        // a failure between the kill and the restart leaves the killed service's PostgreSQL running
        for (Path dir : embeddedDataDirectories) {
            TrainerProcess.postmasterPid(dir).flatMap(ProcessHandle::of).ifPresent(orphan -> {
                orphan.destroy();
                orphan.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> {
                    orphan.destroyForcibly();
                    return orphan;
                }).join();
            });
        }
        if (sharedDatabase != null) {
            sharedDatabase.close();
        }
        if (work != null) {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The settings every process gets: the shared model store, one thread per CPU job, a short lease, fast polls. */
    private static Map<String, String> config(int cpuJobs, String lease) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("distillab.model-store", modelStore.toString());
        // the local admin key of the first start goes under the test's folder, not the user's home
        c.put("distillab.home", modelStore.resolveSibling("home").toString());
        c.put("distillab.scheduler.cpu-jobs", Integer.toString(cpuJobs));
        c.put("distillab.scheduler.gpus", "0");
        c.put("distillab.scheduler.lease", lease);
        c.put("distillab.scheduler.heartbeat", "1s");
        c.put("distillab.scheduler.poll", "200ms");
        return c;
    }

    private static TrainerProcess start(String name, int port, Map<String, String> config) {
        TrainerProcess p = TrainerProcess.start(name, port, config, LOGS);
        processes.add(p);
        return p;
    }

    /**
     * A job of {@code steps} cross-entropy steps from a new student, on every token (a 64-token window of
     * a trajectory may hold no assistant token, and SFT's loss on it would be 0: an equality that proves
     * nothing); {@code threads} fixed, as bit-identical resumes need.
     */
    private static Map<String, Object> job(String name, int steps, int checkpointEvery, long seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("studentConfig", readTree(TINY_GPT2));
        p.put("tokenizer", "gpt2");
        p.put("context", 64);
        p.put("truncate", true);
        p.put("preset", "sft");
        p.put("wKl", List.of(0.0, 0.0, 0.0, 0.0));
        p.put("wCe", List.of(1.0, 1.0, 1.0, 1.0));
        p.put("steps", steps);
        p.put("batchSize", 2);
        p.put("checkpointEvery", checkpointEvery);
        p.put("seed", seed);
        p.put("device", "cpu");
        p.put("threads", 1);
        return p;
    }

    private static JsonNode readTree(String json) {
        try {
            return TrainerHttp.JSON.readTree(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode awaitEnd(TrainerProcess p, long job) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            JsonNode v = p.http.get("/api/v1/jobs/" + job);
            if (Set.of("succeeded", "failed", "cancelled").contains(v.get("status").asText())) {
                return v;
            }
            if (System.nanoTime() > deadline || !p.alive()) {
                throw new AssertionError("job " + job + " did not end on " + p.name + ": " + v + "\n" + p.tail());
            }
            Thread.sleep(100);
        }
    }

    /** Size and modification time of every file under the job's checkpoints up to {@code step}. */
    private static Map<String, String> checkpointFiles(long job, long step) throws IOException {
        Path out = modelStore.resolve("jobs").resolve(Long.toString(job)).resolve("out");
        Map<String, String> files = new TreeMap<>();
        for (long s = 1; s <= step; s++) {
            Path dir = out.resolve("checkpoint-" + s);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    files.put(out.relativize(f).toString(), a.size() + " bytes, modified " + a.lastModifiedTime()
                            + ", file " + a.fileKey());
                }
            }
        }
        return files;
    }

    private static boolean ownedBy(String owner, TrainerProcess p) {
        return owner.startsWith(p.pid() + "@");
    }

    @Test
    void aJobOfAKilledServiceResumesFromItsCheckpointAfterTheRestart() throws Exception {
        Path dataDirectory = work.resolve("postgres");
        embeddedDataDirectories.add(dataDirectory);
        Map<String, String> config = config(2, KILL_LEASE);
        config.put("distillab.embedded-postgres.data-dir", dataDirectory.toString());
        int port = TrainerProcess.freePort();
        TrainerProcess first = start("trainer-before-kill", port, config).awaitReady(STARTUP);

        int steps = 30;
        long id = first.http.submit(job("killed-and-resumed", steps, 5, 7), trajectories);
        JsonNode seen;
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            seen = first.http.get("/api/v1/jobs/" + id);
            assertTrue(Set.of("queued", "running").contains(seen.get("status").asText()),
                    "the job ended before the kill could land (steps too fast?): " + seen);
            long checkpoint = seen.path("checkpointStep").asLong(0);
            if (checkpoint >= 5 && seen.get("step").asLong() > checkpoint) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "no checkpoint: " + seen + "\n" + first.tail());
            Thread.sleep(20);
        }
        long checkpointBeforeKill = seen.get("checkpointStep").asLong();
        Map<String, String> checkpointsBeforeKill = checkpointFiles(id, checkpointBeforeKill);
        long stepBeforeKill = seen.get("step").asLong();
        first.kill();

        // the killed service's PostgreSQL outlived it, holding the data directory: the restart must cope
        long orphan = TrainerProcess.postmasterPid(dataDirectory).orElseThrow();
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false),
                "the embedded PostgreSQL should outlive a SIGKILLed service");

        TrainerProcess restarted = start("trainer-restarted", port, config).awaitReady(STARTUP);
        assertFalse(ProcessHandle.of(orphan).flatMap(h -> h.info().command()).isPresent(),
                "the orphaned PostgreSQL (pid " + orphan + ") still runs");
        // the same job, uninterrupted, beside it on the restarted service's second CPU slot
        long uninterruptedId = restarted.http.submit(job("uninterrupted", steps, 5, 7), trajectories);

        JsonNode resumed = awaitEnd(restarted, id);
        JsonNode uninterrupted = awaitEnd(restarted, uninterruptedId);
        assertEquals("succeeded", resumed.get("status").asText(), resumed + "\n" + restarted.tail());
        assertEquals("succeeded", uninterrupted.get("status").asText(), uninterrupted.toString());
        assertEquals(2, resumed.get("attempts").asInt(), resumed.toString());

        // taken over after the lease expired, by the restarted process, from the checkpoint
        JsonNode transitions = restarted.http.get("/api/v1/jobs/" + id + "/transitions");
        assertEquals(List.of("queued", "running", "running", "succeeded"),
                transitions.findValuesAsText("to"), transitions.toString());
        assertTrue(transitions.get(2).get("reason").asText().startsWith("taken over"), transitions.toString());
        JsonNode attempts = restarted.http.get("/api/v1/jobs/" + id + "/attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        JsonNode killedRun = attempts.get(0);
        JsonNode resumedRun = attempts.get(1);
        assertTrue(ownedBy(killedRun.get("owner").asText(), first), attempts.toString());
        assertEquals(0, killedRun.get("fromStep").asLong());
        assertEquals("lease expired", killedRun.get("outcome").asText());
        assertTrue(killedRun.get("lastStep").asLong() >= stepBeforeKill, attempts.toString());
        assertTrue(ownedBy(resumedRun.get("owner").asText(), restarted), attempts.toString());
        long from = resumedRun.get("fromStep").asLong();
        assertTrue(from >= checkpointBeforeKill && from < steps, "resumed from " + from + ", the checkpoint before the "
                + "kill was " + checkpointBeforeKill + ": " + attempts);
        assertEquals("succeeded", resumedRun.get("outcome").asText());
        assertEquals(steps, resumedRun.get("lastStep").asLong());
        assertTrue(resumed.get("placement").asText().endsWith("resumed from the checkpoint of step " + from),
                resumed.toString());
        // resumed, not restarted: the checkpoints written before the kill were not written again
        assertFalse(checkpointsBeforeKill.isEmpty());
        assertEquals(checkpointsBeforeKill, checkpointFiles(id, checkpointBeforeKill));

        // CPU resumes are bit-identical with the same thread count (SPEC 8; the job fixes threads): no tolerance
        assertTrue(uninterrupted.get("finalLoss").asDouble() > 0, uninterrupted.toString());
        assertEquals(uninterrupted.get("finalLoss").asDouble(), resumed.get("finalLoss").asDouble(), 0.0);
        JsonNode curve = restarted.http.get("/api/v1/jobs/" + id + "/loss");
        JsonNode reference = restarted.http.get("/api/v1/jobs/" + uninterruptedId + "/loss");
        assertEquals(steps, curve.get("steps").size());
        reference.get("loss").forEach(loss -> assertTrue(loss.asDouble() > 0, "a step without labels: " + reference));
        assertEquals(reference.get("steps"), curve.get("steps"));
        assertEquals(reference.get("loss"), curve.get("loss"), "every step's loss, each step once");
    }

    @Test
    void twoReplicasOnOneDatabaseNeverRunOneJobTwice() throws Exception {
        sharedDatabase = EmbeddedPostgresServer.startThrowaway();
        Map<String, String> config = config(1, SHARED_LEASE);
        config.put("quarkus.datasource.jdbc.url", sharedDatabase.jdbcUrl());
        TrainerProcess a = start("replica-a", TrainerProcess.freePort(), config);
        TrainerProcess b = start("replica-b", TrainerProcess.freePort(), config);
        a.awaitReady(STARTUP);
        b.awaitReady(STARTUP);

        int steps = 4;
        Map<Long, TrainerProcess> submittedTo = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            TrainerProcess to = i % 2 == 0 ? a : b;
            submittedTo.put(to.http.submit(job("shared-" + i, steps, 2, i), trajectories), to);
        }
        for (var e : submittedTo.entrySet()) {
            JsonNode v = awaitEnd(e.getValue(), e.getKey());
            assertEquals("succeeded", v.get("status").asText(), v + "\n" + e.getValue().tail());
        }

        // the database's record of every run: one per job, trained from the start to its end
        Map<Long, List<String>> runs = new HashMap<>();
        try (Connection c = DriverManager.getConnection(sharedDatabase.jdbcUrl());
             PreparedStatement s = c.prepareStatement("SELECT job_id, owner, from_step, last_step, outcome, attempt "
                     + "FROM trainer.job_attempt ORDER BY id");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                runs.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
                assertEquals(0, rs.getLong(3), "job " + rs.getLong(1) + " resumed: it ran before");
                assertEquals(steps, rs.getLong(4));
                assertEquals("succeeded", rs.getString(5));
                assertEquals(1, rs.getInt(6));
            }
        }
        assertEquals(submittedTo.keySet(), runs.keySet());
        Set<String> replicas = new TreeSet<>();
        for (var e : runs.entrySet()) {
            assertEquals(1, e.getValue().size(), "job " + e.getKey() + " ran " + e.getValue().size() + " times: "
                    + e.getValue());
            String owner = e.getValue().get(0);
            assertTrue(ownedBy(owner, a) || ownedBy(owner, b), owner);
            replicas.add(ownedBy(owner, a) ? a.name : b.name);
        }
        assertEquals(Set.of(a.name, b.name), replicas, "both replicas should have trained jobs: " + runs);
        // and each job's status went to running once, in the same database
        try (Connection c = DriverManager.getConnection(sharedDatabase.jdbcUrl());
             PreparedStatement s = c.prepareStatement("SELECT job_id, count(*) FILTER (WHERE to_status = 'running') "
                     + "FROM trainer.job_transition GROUP BY job_id");
             ResultSet rs = s.executeQuery()) {
            int jobs = 0;
            while (rs.next()) {
                assertEquals(1, rs.getLong(2), "job " + rs.getLong(1) + " was claimed more than once");
                jobs++;
            }
            assertEquals(submittedTo.size(), jobs);
        }
    }
}
