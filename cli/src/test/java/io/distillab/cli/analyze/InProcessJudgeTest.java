package io.distillab.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.cli.CliRun;
import io.distillab.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RPS and validated edges with no service running: the offline judge in-process. */
class InProcessJudgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void validatedEdgesOfflineRejectWhatTheCandidateRuleCannotSee(@TempDir Path tmp) throws Exception {
        Path candidate = tmp.resolve("candidate.json");
        Path validated = tmp.resolve("validated.json");
        CliRun c = CliRun.of("analyze", AnalyzeCommandTest.TAU, "--split-trials", "--quiet", "--json", candidate.toString());
        CliRun v = CliRun.of("analyze", AnalyzeCommandTest.TAU, "--split-trials", "--edges", "validated", "--json",
                validated.toString());
        assertEquals(0, c.code(), c.err());
        assertEquals(0, v.code(), v.err());
        assertTrue(v.err().contains("candidate values judged"), v.err());
        Map<String, JsonNode> byPair = pairs(candidate);
        int changed = 0;
        for (JsonNode p : JSON.readTree(validated.toFile()).get("pairs")) {
            JsonNode q = byPair.get(p.get("a").asText() + "|" + p.get("b").asText());
            // S_node does not depend on edges; S_dep does
            assertEquals(q.get("s_node").isNull(), p.get("s_node").isNull());
            if (!q.get("s_node").isNull()) {
                assertEquals(q.get("s_node").asDouble(), p.get("s_node").asDouble(), 1e-15);
            }
            changed += Math.abs(q.get("s_dep").asDouble() - p.get("s_dep").asDouble()) > 1e-9 ? 1 : 0;
        }
        assertTrue(changed > 0, "the offline judge rejects echoed and earlier-known values: S_dep must move");
        JsonNode features = JSON.readTree(validated.toFile()).get("features").get("gpt-4o/trial-0").get("f_dep");
        JsonNode before = JSON.readTree(candidate.toFile()).get("features").get("gpt-4o/trial-0").get("f_dep");
        assertTrue(features.get(0).asDouble() < before.get(0).asDouble(), "fewer calls with an outgoing edge");
    }

    @Test
    void rpsOfflineWithItsIntervalAndNoService(@TempDir Path tmp) throws Exception {
        Path runs = tmp.resolve("runs.jsonl");
        StringBuilder lines = new StringBuilder();
        String[][] texts = {
            {"Could you give me your user id so that I can look up your reservation?",
                "Your reservation has been cancelled and the refund will arrive in 5 to 7 business days."},
            {"Please share your user ID and I will find the booking.",
                "Done! The booking is cancelled; you will get your money back within a week."},
        };
        for (int model = 0; model < 2; model++) {
            for (int task = 0; task < 3; task++) {
                ObjectNode rec = JSON.createObjectNode().put("model", "m" + model).put("task", "t" + task).put("trial", 0)
                        .put("reward", 1.0);
                ArrayNode msgs = rec.putArray("messages");
                msgs.addObject().put("role", "user").put("content", "Cancel my trip " + task + ".");
                for (String text : texts[model]) {
                    msgs.addObject().put("role", "assistant").put("content", text);
                    msgs.addObject().put("role", "user").put("content", "ok");
                }
                lines.append(rec).append('\n');
            }
        }
        Files.writeString(runs, lines.toString());
        Path json = tmp.resolve("rps.json");
        CliRun r = CliRun.of("analyze", runs.toString(), "--rps", "--bootstrap", "50", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("RPS"), r.out());
        assertTrue(r.err().contains("offline, in-process"), r.err());
        JsonNode pair = pairs(json).get("m0|m1");
        double rps = pair.get("rps").asDouble();
        assertTrue(rps >= 1 && rps <= 5, "RPS is a mean of 1..5 scores: " + rps);
        JsonNode ci = pair.get("ci").get("rps");
        // every task has the same two stages with the same texts: every resample gives the same RPS
        assertEquals(rps, ci.get(0).asDouble(), 1e-12);
        assertEquals(rps, ci.get(1).asDouble(), 1e-12);
        assertTrue(pairs(json).get("m0|m0").get("rps").isNull(), "one trial per task: no pair of runs");
    }

    @Test
    void judgeChoicesThatNeedAServiceSayHowInOneLine() {
        CliRun llm = CliRun.of("analyze", AnalyzeCommandTest.TAU, "--rps", "--judge", "llm");
        assertEquals(ExitCodes.BAD_INPUT, llm.code());
        assertTrue(llm.err().contains("--judge llm runs in judge-service"), llm.err());
        assertEquals(1, llm.err().strip().lines().count(), llm.err());
        CliRun both = CliRun.of("analyze", AnalyzeCommandTest.TAU, "--rps", "--server", "http://localhost:1",
                "--judge", "http://localhost:2");
        assertEquals(ExitCodes.BAD_INPUT, both.code());
        assertNotEquals(-1, both.err().indexOf("metrics-service asks its own judge-service"), both.err());
    }

    private static Map<String, JsonNode> pairs(Path json) throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        JSON.readTree(json.toFile()).get("pairs").forEach(p -> out.put(p.get("a").asText() + "|" + p.get("b").asText(), p));
        return out;
    }
}
