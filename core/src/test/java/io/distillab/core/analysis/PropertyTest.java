package io.distillab.core.analysis;

import static io.distillab.core.TrajectoryBuilder.traj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.TrajectoryBuilder;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties on random populations: range, symmetry, and independence from input order. */
class PropertyTest {
    private static final String[] TOOLS = {"get_user_details", "get_reservation_details", "search_direct_flight",
        "book_reservation", "cancel_reservation", "think", "calculate", "update_reservation_flights"};
    private static final String[] IDS = {"ABC123", "XYZ789", "HAT136", "mia_li_3668", "2024-05-20"};

    static List<Trajectory> randomTrajectories(long seed, int models, int tasks, int maxTrials) {
        Random rnd = new Random(seed);
        List<Trajectory> out = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            for (int t = 0; t < tasks; t++) {
                if (rnd.nextInt(8) == 0) {
                    continue; // some models skip some tasks
                }
                int trials = 1 + rnd.nextInt(maxTrials);
                for (int k = 0; k < trials; k++) {
                    TrajectoryBuilder b = traj("model-" + m, "task-" + t, k, rnd.nextInt(3) == 0 ? 0 : 1)
                            .system("policy").user("hello, I am " + IDS[rnd.nextInt(IDS.length)]);
                    int calls = rnd.nextInt(9);
                    for (int c = 0; c < calls; c++) {
                        if (rnd.nextInt(4) == 0) {
                            b.say("Shall I proceed?").user("yes");
                        }
                        String arg = "{\"id\":\"" + IDS[rnd.nextInt(IDS.length)] + "\"}";
                        String output = switch (rnd.nextInt(4)) {
                            case 0 -> "Error: not found";
                            case 1 -> "{\"id\":\"" + IDS[rnd.nextInt(IDS.length)] + "\",\"n\":12345}";
                            case 2 -> "found " + IDS[rnd.nextInt(IDS.length)] + " here";
                            default -> "ok";
                        };
                        b.call(TOOLS[rnd.nextInt(TOOLS.length)], arg, output);
                    }
                    out.add(b.build());
                }
            }
        }
        return out;
    }

    static Population randomPopulation(long seed, int models, int tasks, int maxTrials) {
        Population p = new Population();
        randomTrajectories(seed, models, tasks, maxTrials).forEach(t -> p.add(t, ToolClasses.defaults()));
        return p;
    }

    @Test
    void everyScoreLiesInZeroOne() {
        for (long seed = 1; seed <= 5; seed++) {
            AnalysisResult r = PairwiseAnalysis.run(randomPopulation(seed, 4, 12, 3),
                    AnalysisOptions.defaults().withGed(true).withGedExactMaxNodes(6));
            for (AnalysisResult.PairResult p : r.pairs()) {
                for (String m : Scores.METRICS) {
                    Double v = p.scores().get(m);
                    if (v != null) {
                        assertTrue(v >= 0 && v <= 1 + 1e-12, m + " of " + p.a() + "/" + p.b() + " = " + v);
                    }
                }
                if (p.a().equals(p.b())) {
                    assertEquals(1.0, p.scores().sSeq(), 1e-12);
                    assertEquals(1.0, p.scores().sDep(), 1e-12);
                }
            }
        }
    }

    @Test
    void swappingTheModelsOfAPairGivesTheSameScores() {
        // rename so the sorted order of the two models flips: (model-0, model-1) becomes (z, a)
        List<Trajectory> ts = randomTrajectories(11, 2, 20, 3);
        Population p1 = new Population();
        Population p2 = new Population();
        for (Trajectory t : ts) {
            p1.add(t, ToolClasses.defaults());
            p2.add(t.withModel(t.model().equals("model-0") ? "z" : "a"), ToolClasses.defaults());
        }
        AnalysisOptions o = AnalysisOptions.defaults().withGed(true).withGedExactMaxNodes(4).withBootstrap(50, 3);
        AnalysisResult.PairResult x = PairwiseAnalysis.run(p1, o).pair("model-0", "model-1");
        AnalysisResult.PairResult y = PairwiseAnalysis.run(p2, o).pair("z", "a");
        assertEquals(x.scores(), y.scores());
        assertEquals(x.tasks(), y.tasks());
    }

    @Test
    void theOrderOfFilesAndRecordsDoesNotMatter() {
        List<Trajectory> ts = randomTrajectories(23, 3, 15, 3);
        AnalysisOptions o = AnalysisOptions.defaults().withGed(true).withGedExactMaxNodes(5).withBootstrap(100, 0);
        Population in = new Population();
        ts.forEach(t -> in.add(t, ToolClasses.defaults()));
        String expected = AnalysisJson.toJson(PairwiseAnalysis.run(in, o));
        for (long seed = 0; seed < 3; seed++) {
            List<Trajectory> shuffled = new ArrayList<>(ts);
            Collections.shuffle(shuffled, new Random(seed));
            Population p = new Population();
            shuffled.forEach(t -> p.add(t, ToolClasses.defaults()));
            assertEquals(expected, AnalysisJson.toJson(PairwiseAnalysis.run(p, o)));
        }
    }
}
