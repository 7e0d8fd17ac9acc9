package io.distillab.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.cli.CliRun;
import io.distillab.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzeCommandTest {
    static final Path ROOT = Path.of(System.getProperty("distillab.root", ".."));
    static final String TAU = ROOT.resolve("data/tau-bench/gpt-4o-airline.json").toString();

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void mainJobWritesTheTableTheJsonShapeAndTheReport(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("a.json");
        Path html = tmp.resolve("r.html");
        CliRun r = run("analyze", TAU, "--split-trials", "--ged", "--bootstrap", "200", "--quiet", "--json",
                json.toString(), "--html", html.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("gpt-4o/trial-0  gpt-4o/trial-1"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("models", "pairs", "features"), names(root));
        assertEquals(4, root.get("models").size());
        assertEquals(10, root.get("pairs").size(), "4 runs: 6 pairs and 4 diagonal ones");
        JsonNode p = root.get("pairs").get(1);
        assertEquals(List.of("a", "b", "tasks", "ags", "s_node", "s_seq", "s_dep", "ged", "ged_exact", "ci"), names(p));
        assertTrue(p.get("a").asText().compareTo(p.get("b").asText()) <= 0);
        assertEquals(50, p.get("tasks").asInt());
        assertTrue(p.get("ci").get("ags").isArray());
        assertTrue(root.get("pairs").get(0).get("ags").isNull(), "diagonal of a one-trial run: no pair");
        JsonNode f = root.get("features").get("gpt-4o/trial-0");
        assertEquals(3, f.get("f_seq").size());
        assertEquals(3, f.get("f_dep").size());
        String page = Files.readString(html);
        assertTrue(page.contains("id=\"heatmap-ags\""));
        // models in the order of average-linkage clustering on 1 - AGS (AGS as pinned in core's
        // IndependentReferenceTest): trial-1/trial-3 join first (0.180), trial-0 joins them at
        // (0.202 + 0.202)/2 = 0.202 before trial-2 (0.212 from them, 0.224 from trial-0), and the
        // cluster listed first keeps the left: 0, then 1 and 3, then 2
        assertTrue(page.contains("data-models=\"gpt-4o/trial-0|gpt-4o/trial-1|gpt-4o/trial-3|gpt-4o/trial-2\""));
        assertEquals(3, count(page, "class=\"merge\""), "a dendrogram of 4 models has 3 merges");
        assertEquals(16, count(page, "class=\"cell\" x=") / 5, "4×4 cells in each of 5 heatmaps");
    }

    @Test
    void withoutGedOrBootstrapThoseFieldsAreNull(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("a.json");
        CliRun r = run("analyze", TAU, "--quiet", "--json", json.toString(), "--weights", "0.5,0.25,0.25");
        assertEquals(0, r.code(), r.err());
        JsonNode p = new ObjectMapper().readTree(json.toFile()).get("pairs").get(0);
        assertEquals("gpt-4o", p.get("a").asText());
        assertTrue(p.get("ged").isNull());
        assertTrue(p.get("ged_exact").isNull());
        assertTrue(p.get("ci").isNull());
        double expected = 0.5 * p.get("s_node").asDouble() + 0.25 * p.get("s_seq").asDouble()
                + 0.25 * p.get("s_dep").asDouble();
        assertEquals(expected, p.get("ags").asDouble(), 1e-15);
    }

    @Test
    void referenceViewPrintsOneRowPerModel() {
        CliRun r = run("analyze", TAU, TAU, "--model", "teacher", "--model", "student", "--reference", "teacher", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("against reference teacher:"), r.out());
        List<String> rows = r.out().lines().skip(2).toList();
        assertEquals(2, rows.size(), r.out());
        // the same runs under two names: S_node of student vs teacher equals the diagonal's trial consistency
        // plus the pairs of equal trials (agreement 1), so it is above the diagonal
        assertTrue(rows.get(0).startsWith("student"), r.out());
    }

    @Test
    void toolBenchFolderAndFormatOption() {
        CliRun r = run("analyze", ROOT.resolve("data/toolbench/G1_answer").toString(), "--format", "toolbench");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ChatGPT_DFS_woFilter_w2"), r.out());
        assertTrue(r.err().contains("1 answer files without a chosen path skipped"), r.err());
    }

    @Test
    void badInputGivesExitCode2AndOneLineNamingFileRecordAndField(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad-airline.json");
        Files.writeString(bad, "[{\"task_id\": 0, \"trial\": 0, \"reward\": 1, \"traj\": []},"
                + "{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": [{\"role\": \"assistant\", \"tool_calls\":"
                + " [{\"id\": \"x\", \"function\": {\"name\": \"f\", \"arguments\": \"{not json\"}}]}]}]");
        Path out = tmp.resolve("never.json");
        CliRun r = run("analyze", bad.toString(), "--json", out.toString(), "--quiet");
        assertEquals(ExitCodes.BAD_INPUT, r.code());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("distillab: error: " + bad + ": record 1: field "
                + "'traj[0].tool_calls[0].function.arguments': not valid JSON"), lines.get(0));
        assertFalse(Files.exists(out), "nothing written on bad input");

        CliRun missing = run("analyze", tmp.resolve("nope.json").toString());
        assertEquals(ExitCodes.BAD_INPUT, missing.code());
        assertTrue(missing.err().contains("nope.json: no such file or folder"), missing.err());

        CliRun twoModels = run("analyze", TAU, "--model", "a", "--model", "b");
        assertEquals(ExitCodes.BAD_INPUT, twoModels.code());
        assertTrue(twoModels.err().contains("--model is given 2 times for 1 files"), twoModels.err());

        CliRun format = run("analyze", TAU, "--format", "csv");
        assertEquals(ExitCodes.BAD_INPUT, format.code());
        assertTrue(format.err().contains("unknown format 'csv'"), format.err());

        CliRun judgeName = run("analyze", TAU, "--rps", "--judge-name", "llm");
        assertEquals(ExitCodes.BAD_INPUT, judgeName.code());
        assertEquals(List.of("distillab: error: --judge-name needs --judge URL (a running judge-service) "
                + "(see 'distillab analyze --help')"), judgeName.err().lines().toList());

        CliRun edges = run("analyze", TAU, "--edges", "guessed");
        assertEquals(ExitCodes.BAD_INPUT, edges.code());
        assertTrue(edges.err().contains("--edges must be candidate or validated, got 'guessed'"), edges.err());

        CliRun ref = run("analyze", TAU, "--reference", "nobody");
        assertEquals(ExitCodes.BAD_INPUT, ref.code());
        assertTrue(ref.err().contains("--reference nobody names no model"), ref.err());
    }

    @Test
    void directionalTestAndFamilies(@TempDir Path tmp) throws Exception {
        Path fam = tmp.resolve("families.json");
        Files.writeString(fam, "{\"gpt-4o/trial-0\": \"x\", \"gpt-4o/trial-1\": \"x\", \"gpt-4o/trial-2\": \"y\","
                + " \"gpt-4o/trial-3\": \"y\"}");
        Path json = tmp.resolve("a.json");
        CliRun r = run("analyze", TAU, "--split-trials", "--quiet", "--bootstrap", "100", "--direction",
                "gpt-4o/trial-0,gpt-4o/trial-1,gpt-4o/trial-2,gpt-4o/trial-3", "--families", fam.toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("directional test:"), r.out());
        assertTrue(r.out().contains("family view:"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(100, root.get("directional").get("resamples").asInt());
        assertTrue(root.get("directional").get("ags").has("verdict"));
        assertEquals(2, root.get("families").get("ags").get("within_pairs").asInt());
        assertEquals(4, root.get("families").get("ags").get("cross_pairs").asInt());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    private static int count(String s, String sub) {
        int c = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            c++;
        }
        return c;
    }
}
