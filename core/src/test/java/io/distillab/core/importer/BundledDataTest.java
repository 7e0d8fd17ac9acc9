package io.distillab.core.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.analysis.Scores;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The real files bundled in data/ (tau-bench's gpt-4o airline runs, ToolBench's ChatGPT DFS answers).
 * Expected counts were found independently with jq, e.g.
 * {@code jq -r '[.[].traj[] | select(.role=="assistant") | .tool_calls // [] | .[] | .function.name]
 * | group_by(.) | map("\(.[0])=\(length)")' data/tau-bench/gpt-4o-airline.json}.
 */
class BundledDataTest {
    static Path data(String rel) {
        return Path.of(System.getProperty("distillab.root", "..")).resolve("data").resolve(rel);
    }

    @Test
    void tauBenchAirlineCounts() {
        List<Trajectory> ts = new ArrayList<>();
        ImportReport r = TrajectoryImporter.importPath(data("tau-bench/gpt-4o-airline.json"), null, null, ts::add);
        assertEquals(TrajectoryFormat.TAU_BENCH, r.format(), "detected");
        assertEquals(200, r.trajectories());
        assertEquals(java.util.Set.of("gpt-4o"), r.models());
        assertEquals(4_114_038, r.bytes());
        assertEquals(50, ts.stream().map(Trajectory::task).distinct().count());
        assertEquals(List.of(0, 1, 2, 3), ts.stream().map(Trajectory::trial).distinct().sorted().toList());
        assertEquals(84, ts.stream().filter(t -> t.success(1.0)).count());
        Map<String, Integer> perTool = new TreeMap<>();
        int errors = 0;
        for (Trajectory t : ts) {
            for (ToolCall c : t.calls()) {
                perTool.merge(c.name(), 1, Integer::sum);
                errors += c.error() ? 1 : 0;
                assertTrue(c.output() != null, "every gpt-4o call got an answer");
            }
        }
        assertEquals(Map.ofEntries(Map.entry("book_reservation", 53), Map.entry("calculate", 96),
                Map.entry("cancel_reservation", 69), Map.entry("get_reservation_details", 377),
                Map.entry("get_user_details", 120), Map.entry("list_all_airports", 2),
                Map.entry("search_direct_flight", 141), Map.entry("search_onestop_flight", 38),
                Map.entry("send_certificate", 8), Map.entry("think", 92), Map.entry("transfer_to_human_agents", 48),
                Map.entry("update_reservation_baggages", 14), Map.entry("update_reservation_flights", 104),
                Map.entry("update_reservation_passengers", 2)), perTool);
        // tool messages whose content starts with "error" (any case) after leading spaces: 73 by jq
        assertEquals(73, errors);
        assertTrue(ts.stream().allMatch(t -> t.goldTools() != null), "every record has info.task.actions");
    }

    @Test
    void tauBenchTrialsAsRunsOfOneAgent() {
        Population p = new Population();
        TrajectoryImporter.importPath(data("tau-bench/gpt-4o-airline.json"), TrajectoryFormat.TAU_BENCH, null,
                t -> p.add(t.withModel("run-" + t.trial()), ToolClasses.defaults()));
        AnalysisResult r = PairwiseAnalysis.run(p, AnalysisOptions.defaults().withGed(true).withBootstrap(100, 0));
        assertEquals(List.of("run-0", "run-1", "run-2", "run-3"), r.models());
        assertEquals(10, r.pairs().size());
        for (AnalysisResult.PairResult pr : r.pairs()) {
            assertEquals(50, pr.tasks());
            if (pr.a().equals(pr.b())) {
                // one trial per run and task: no pair of different trials, so S_node, AGS and GED are null
                assertEquals(null, pr.scores().sNode());
                assertEquals(null, pr.scores().ags());
            } else {
                for (String m : Scores.METRICS) {
                    double v = pr.scores().get(m);
                    assertTrue(v > 0 && v < 1, m + " " + v);
                }
                assertTrue(pr.ci().get("ags")[0] <= pr.scores().ags() && pr.scores().ags() <= pr.ci().get("ags")[1]);
            }
        }
        // one model with its four trials: the diagonal measures trial-to-trial consistency
        Population whole = new Population();
        TrajectoryImporter.importPath(data("tau-bench/gpt-4o-airline.json"), null, null,
                t -> whole.add(t, ToolClasses.defaults()));
        AnalysisResult.PairResult diag = PairwiseAnalysis.run(whole, AnalysisOptions.defaults()).pair("gpt-4o", "gpt-4o");
        assertTrue(diag.scores().sNode() > 0 && diag.scores().sNode() < 1);
        assertEquals(1.0, diag.scores().sSeq());
    }

    @Test
    void everyToolBenchAnswerFileIsDetectedAlone() throws java.io.IOException {
        // G3 13's search tree fills its first 64 kB before answer_generation: the top-level field
        // names decide, not a look at the first bytes
        for (String g : List.of("G1_answer", "G2_answer", "G3_answer")) {
            try (var files = java.nio.file.Files.list(data("toolbench/" + g))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    assertEquals(TrajectoryFormat.TOOLBENCH, TrajectoryImporter.detect(f), f.toString());
                }
            }
        }
    }

    @Test
    void toolBenchFolders() {
        List<Trajectory> ts = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String g : List.of("G1_answer", "G2_answer", "G3_answer")) {
            ImportReport r = TrajectoryImporter.importPath(data("toolbench/" + g), null, null, ts::add);
            assertEquals(TrajectoryFormat.TOOLBENCH, r.format());
            skipped.addAll(r.skipped());
        }
        // 15 answer files; G1 69 and G3 8 have no train_messages (the search found no path)
        assertEquals(13, ts.size());
        assertEquals(2, skipped.size());
        assertTrue(skipped.stream().anyMatch(s -> s.endsWith("69_ChatGPT_DFS_woFilter_w2.json")));
        assertEquals(new TreeSet<>(List.of("ChatGPT_DFS_woFilter_w2")),
                new TreeSet<>(ts.stream().map(Trajectory::model).toList()));
        Trajectory g1q10 = ts.stream().filter(t -> t.source().contains("G1_answer/10_")).findFirst().orElseThrow();
        assertTrue(g1q10.task().startsWith("Can you retrieve the contact details of the 'Gondrand'"));
        assertEquals(1.0, g1q10.reward(), "give_answer on valid data");
        assertEquals(List.of("transitaires_for_transitaires", "transitaire_for_transitaires", "Finish"),
                g1q10.calls().stream().map(ToolCall::name).toList());
        assertFalse(g1q10.calls().get(1).error(), "{\"error\": \"\", ...} is no error");
        assertEquals(null, g1q10.calls().get(2).output(), "Finish gets no function message");
        // G1 57: news_for_seo_api answered {"error": "Message error...", ...}
        Trajectory g1q57 = ts.stream().filter(t -> t.source().contains("G1_answer/57_")).findFirst().orElseThrow();
        assertTrue(g1q57.calls().get(1).error());
        // G2 10 gave up: reward 0
        Trajectory g2q10 = ts.stream().filter(t -> t.source().contains("G2_answer/10_")).findFirst().orElseThrow();
        assertEquals(0.0, g2q10.reward());
    }
}
