package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.graph.ActionGraph;
import io.distillab.core.graph.CandidateEdge;
import io.distillab.core.graph.CandidateEdges;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.tools.ToolClasses;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** RPS and validated edges through the judge client, and what happens when the judge is gone. */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JudgeAnalysisTest {
    private static TestJudgeServer judge;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL base;

    @BeforeAll
    static void startJudge() throws Exception {
        judge = new TestJudgeServer(MetricsTestProfile.judgePort());
    }

    @AfterAll
    static void stopJudge() {
        if (judge != null) {
            judge.close();
        }
    }

    /** m1 runs t1 twice and t2 once, m2 runs each once; assistant texts are "stage: words". */
    static long chatDataset(Path dir) throws Exception {
        Path file = chatFile(dir);
        long id = TestData.newDataset("rps");
        TestData.upload(id, file, "chat-jsonl", null);
        return id;
    }

    static Path chatFile(Path dir) throws Exception {
        String lines = String.join("\n",
                run("m1", "t1", 0, "authentication: who are you", "execution: done it"),
                run("m1", "t1", 1, "authentication: who are you again", "notification: bye"),
                run("m2", "t1", 0, "authentication: your id please", "notification: goodbye", "no stage here"),
                run("m1", "t2", 0, "verification: checking"),
                run("m2", "t2", 0, "verification: checked", "verification: all good")) + "\n";
        Path file = dir.resolve("runs.jsonl");
        Files.writeString(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private static String run(String model, String task, int trial, String... assistantTexts) {
        ObjectNode rec = InProcess.JSON.createObjectNode();
        rec.put("model", model).put("task", task).put("trial", trial).put("reward", 1.0);
        ArrayNode msgs = rec.putArray("messages");
        msgs.addObject().put("role", "user").put("content", "help me with " + task);
        for (String t : assistantTexts) {
            msgs.addObject().put("role", "assistant").put("content", t);
            msgs.addObject().put("role", "user").put("content", "ok");
        }
        return rec.toString();
    }

    @Test
    @Order(1)
    void rpsFollowsSpecSectionFive(@TempDir Path dir) throws Exception {
        long dataset = chatDataset(dir);
        long id = TestData.submit(Map.of("dataset", dataset, "rps", true));
        JsonPath v = TestData.await(id, Duration.ofMinutes(1));
        assertEquals("done", v.getString("status"), v.prettify());
        JsonNode pairs = InProcess.JSON.readTree(TestData.result(id)).get("pairs");
        Map<String, JsonNode> byPair = new java.util.HashMap<>();
        pairs.forEach(p -> byPair.put(p.get("a").asText() + "|" + p.get("b").asText(), p.get("rps")));
        // (m1, m2): cells (t1, authentication) = mean(11/3, 11/3), (t1, notification) = 11/3,
        // (t2, verification) = (3 + 3 + 4) / 3; RPS = the mean of the three cells
        assertEquals(32.0 / 9, byPair.get("m1|m2").asDouble(), 1e-12);
        // (m1, m1): t1's two trials share authentication, one message each: (2 + 5 + 4) / 3
        assertEquals(11.0 / 3, byPair.get("m1|m1").asDouble(), 1e-12);
        // (m2, m2): one trial per task, no trial pair
        assertTrue(byPair.get("m2|m2").isNull());
        assertTrue(judge.batches.get() >= 2);
        assertEquals(0, judge.unauthorized.get(), "every batch carried distillab.judge.api-key");
    }

    @Test
    @Order(2)
    void validatedEdgesKeepWhatTheJudgeConfirmed() throws Exception {
        long dataset = TestData.newDataset("validated");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null);
        long id = TestData.submit(Map.of("dataset", dataset, "edges", "validated", "ged", true));
        long splitId = TestData.submit(Map.of("dataset", dataset, "splitTrials", true, "edges", "validated"));
        assertEquals("done", TestData.await(id, Duration.ofMinutes(3)).getString("status"));
        assertEquals("done", TestData.await(splitId, Duration.ofMinutes(3)).getString("status"));

        Population population = new Population();
        Population split = new Population();
        int[] rejected = {0};
        TrajectoryImporter.importPath(TestData.tauBench(), TrajectoryFormat.TAU_BENCH, null, t -> {
            List<CandidateEdge> kept = CandidateEdges.of(t).stream().filter(e -> TestJudgeServer.genuine(e.value()))
                    .toList();
            rejected[0] += CandidateEdges.of(t).size() - kept.size();
            population.add(t, ActionGraph.of(t, ToolClasses.defaults(), kept));
            var s = t.withModel(t.model() + "/trial-" + t.trial());
            split.add(s, ActionGraph.of(s, ToolClasses.defaults(), kept));
        });
        assertTrue(rejected[0] > 0, "the rule must reject some candidate edges for this test to mean anything");
        assertEquals(expected(population, AnalysisOptions.defaults().withGed(true)),
                InProcess.JSON.readTree(TestData.result(id)));
        JsonNode splitResult = InProcess.JSON.readTree(TestData.result(splitId));
        assertEquals(expected(split, AnalysisOptions.defaults()), splitResult);
    }

    private static JsonNode expected(Population p, AnalysisOptions o) throws Exception {
        AnalysisResult r = PairwiseAnalysis.run(p, o);
        JsonNode json = InProcess.JSON.readTree(AnalysisJson.toJson(r));
        json.path("pairs").forEach(x -> ((ObjectNode) x).putNull("rps"));
        return json;
    }

    /**
     * The CLI computes RPS and validated edges in-process, asking the judge directly (here the
     * stand-in, as {@code --judge URL}); through {@code --server} metrics-service does the same with
     * the same judge. Every number must agree, intervals included (same seed, same generator).
     */
    @Test
    @Order(3)
    void theCliInProcessAndThroughTheServiceGiveTheSameNumbers(@TempDir Path dir) throws Exception {
        List<String> common = List.of("analyze", chatFile(dir).toString(), TestData.tauBench().toString(),
                "--split-trials", "--rps", "--edges", "validated", "--bootstrap", "50", "--seed", "3", "--quiet");
        List<String> local = new java.util.ArrayList<>(common);
        local.addAll(List.of("--judge", "http://localhost:" + MetricsTestProfile.judgePort(),
                "--token", MetricsTestProfile.JUDGE_API_KEY, "--json", dir.resolve("local.json").toString()));
        List<String> remote = new java.util.ArrayList<>(common);
        remote.addAll(List.of("--server", base.toString(), "--token", io.distillab.service.support.testing.TestAuth.adminKey(),
                "--json", dir.resolve("remote.json").toString()));
        int itemsBefore = judge.items.get();
        String[] l = distillab(local);
        assertEquals("0", l[0], l[1]);
        assertTrue(judge.items.get() > itemsBefore, "the in-process run must have asked the judge");
        assertEquals(0, judge.unauthorized.get(), "the CLI sent its --token to the judge");
        String[] r = distillab(remote);
        assertEquals("0", r[0], r[1]);

        Map<String, JsonNode> byPair = new java.util.HashMap<>();
        InProcess.JSON.readTree(dir.resolve("local.json").toFile()).get("pairs")
                .forEach(p -> byPair.put(p.get("a").asText() + "|" + p.get("b").asText(), p));
        JsonNode remotePairs = InProcess.JSON.readTree(dir.resolve("remote.json").toFile()).get("pairs");
        assertEquals(byPair.size(), remotePairs.size());
        int withRps = 0;
        for (JsonNode p : remotePairs) {
            JsonNode q = byPair.get(p.get("a").asText() + "|" + p.get("b").asText());
            for (String m : List.of("ags", "s_node", "s_seq", "s_dep", "rps")) {
                assertClose(q.get(m), p.get(m), m + " of " + p.get("a") + "|" + p.get("b"));
            }
            for (String m : List.of("ags", "rps")) {
                JsonNode a = q.path("ci").path(m);
                JsonNode b = p.path("ci").path(m);
                assertEquals(a.isNull() || a.isMissingNode(), b.isNull() || b.isMissingNode(), "ci." + m + " of " + p);
                for (int i = 0; i < a.size(); i++) {
                    assertClose(a.get(i), b.get(i), "ci." + m + "[" + i + "] of " + p.get("a") + "|" + p.get("b"));
                }
            }
            withRps += p.get("rps").isNumber() ? 1 : 0;
        }
        assertTrue(withRps >= 3, "RPS on several pairs, got " + withRps);
    }

    /** Runs {@code distillab} in this JVM: {exit code, stderr}. */
    private static String[] distillab(List<String> args) {
        picocli.CommandLine cl = io.distillab.cli.Distillab.newCommandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        cl.setErr(new java.io.PrintWriter(err));
        int exit = cl.execute(args.toArray(String[]::new));
        return new String[] {String.valueOf(exit), err.toString()};
    }

    /** Both null, or numbers within 1e-12. */
    private static void assertClose(JsonNode expected, JsonNode actual, String what) {
        assertEquals(expected.isNull(), actual.isNull(), what + ": " + expected + " vs " + actual);
        if (!expected.isNull()) {
            assertEquals(expected.asDouble(), actual.asDouble(), 1e-12, what);
        }
    }

    @Test
    @Order(4)
    void withTheJudgeGoneAnAnalysisThatNeedsItFailsWithAClearReasonAndOthersGoOn(@TempDir Path dir)
            throws Exception {
        long dataset = chatDataset(dir);
        long withCalls = TestData.newDataset("judge-gone");
        TestData.upload(withCalls, TestData.tauBench(), "tau-bench", null);
        judge.close();
        long rps = TestData.submit(Map.of("dataset", dataset, "rps", true));
        long validated = TestData.submit(Map.of("dataset", withCalls, "edges", "validated"));
        long plain = TestData.submit(Map.of("dataset", dataset));
        JsonPath r = TestData.await(rps, Duration.ofMinutes(2));
        assertEquals("failed", r.getString("status"));
        assertEquals("judge-unavailable", r.getString("errorCode"));
        // what failed, in the user's terms; the connection's exception stays in the log
        assertEquals("judge-service at http://localhost:" + MetricsTestProfile.judgePort() + " is unreachable",
                r.getString("error"));
        assertEquals("failed", TestData.await(validated, Duration.ofMinutes(2)).getString("status"));
        assertEquals("done", TestData.await(plain, Duration.ofMinutes(1)).getString("status"));
        givenAdmin().when().get("/api/v1/analyses/" + rps + "/result").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("(judge-unavailable)"))
                .body("detail", containsString("unreachable"));
    }
}
