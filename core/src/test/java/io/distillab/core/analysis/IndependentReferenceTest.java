package io.distillab.core.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.tools.ToolClasses;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AGS and its parts on the real bundled data, pinned to the numbers of an independent implementation:
 * {@code scripts/reference/ags_reference.py}, plain Python written from docs/SPEC.md alone (not from
 * this code). Produced with
 * <pre>
 * python3 scripts/reference/ags_reference.py data/tau-bench/gpt-4o-airline.json --split-trials --json OUT
 * python3 scripts/reference/ags_reference.py data/tau-bench/gpt-4o-airline.json --json OUT
 * python3 scripts/reference/ags_reference.py data/toolbench/G1_answer data/toolbench/G2_answer data/toolbench/G3_answer --json OUT
 * python3 scripts/reference/ags_reference.py core/src/test/resources/tau2/gpt-4.1-mini-airline.json --split-trials --json OUT
 * </pre>
 * and copied from OUT with Python's {@code repr} (17 significant digits). Tolerance 1e-9, SPEC's own
 * for metrics: the two sum the same terms in different orders, which moves the last digit or two.
 */
class IndependentReferenceTest {
    private static final double TOLERANCE = 1e-9;

    static Path data(String rel) {
        return Path.of(System.getProperty("distillab.root", "..")).resolve("data").resolve(rel);
    }

    static Population load(boolean splitTrials, Path... paths) {
        Population p = new Population();
        for (Path path : paths) {
            TrajectoryImporter.importPath(path, null, null, t -> p.add(
                    splitTrials ? t.withModel(t.model() + "/trial-" + t.trial()) : t, ToolClasses.defaults()));
        }
        return p;
    }

    /** {trial a, trial b, AGS, S_node, S_seq, S_dep} of gpt-4o's airline runs, each trial a model. */
    private static final Object[][] TAU_BENCH_SPLIT = {
        {"0", "1", 0.7975836881394951, 0.4133333333333333, 0.999067005501886, 0.9803507255832662},
        {"0", "2", 0.7756590541863805, 0.46471428571428575, 0.865116256553662, 0.997146620291194},
        {"0", "3", 0.7983001793498443, 0.40495238095238095, 0.9997135462020694, 0.9902346108950826},
        {"1", "2", 0.7896988988373357, 0.49166666666666664, 0.8859704806035787, 0.9914595492417618},
        {"1", "3", 0.8204496926308804, 0.47595238095238096, 0.999814447292575, 0.9855822496476855},
        {"2", "3", 0.7860102192048986, 0.4852857142857143, 0.8768729371131374, 0.9958720062158439},
    };

    /** f_seq then f_dep of each trial over all its trajectories. */
    private static final double[][] TAU_BENCH_FEATURES = {
        {0.0, 0.7413793103448276, 0.5882352941176471, 0.3660377358490566, 0.3329348799823767, 0.44329896907216493},
        {0.0, 0.6031746031746031, 0.4375, 0.3613138686131387, 0.2745604395604396, 0.5959595959595959},
        {0.0, 0.6507936507936508, 0.09523809523809523, 0.3754646840148699, 0.29990028331521595, 0.48514851485148514},
        {0.0, 0.696969696969697, 0.5263157894736842, 0.38869257950530034, 0.239632377426495, 0.43636363636363634},
    };

    @Test
    void tauBenchTrialsAsModels() {
        AnalysisResult r = PairwiseAnalysis.run(load(true, data("tau-bench/gpt-4o-airline.json")),
                AnalysisOptions.defaults());
        for (Object[] row : TAU_BENCH_SPLIT) {
            AnalysisResult.PairResult p = r.pair("gpt-4o/trial-" + row[0], "gpt-4o/trial-" + row[1]);
            String at = p.a() + " / " + p.b() + ": ";
            assertEquals(50, p.tasks(), at + "tasks");
            assertEquals((double) row[2], p.scores().ags(), TOLERANCE, at + "AGS");
            assertEquals((double) row[3], p.scores().sNode(), TOLERANCE, at + "S_node");
            assertEquals((double) row[4], p.scores().sSeq(), TOLERANCE, at + "S_seq");
            assertEquals((double) row[5], p.scores().sDep(), TOLERANCE, at + "S_dep");
        }
        for (int k = 0; k < 4; k++) {
            AnalysisResult.ModelFeatures f = r.features().get("gpt-4o/trial-" + k);
            assertArrayEquals(java.util.Arrays.copyOfRange(TAU_BENCH_FEATURES[k], 0, 3), f.fSeq(), TOLERANCE);
            assertArrayEquals(java.util.Arrays.copyOfRange(TAU_BENCH_FEATURES[k], 3, 6), f.fDep(), TOLERANCE);
            assertNull(r.pair("gpt-4o/trial-" + k, "gpt-4o/trial-" + k).scores().sNode(), "one trial per task");
        }
    }

    @Test
    void tauBenchOneModelWithFourTrials() {
        AnalysisResult.PairResult diag = PairwiseAnalysis.run(load(false, data("tau-bench/gpt-4o-airline.json")),
                AnalysisOptions.defaults()).pair("gpt-4o", "gpt-4o");
        assertEquals(0.4559841269841269, diag.scores().sNode(), TOLERANCE);
    }

    @Test
    void toolBenchFolders() {
        AnalysisResult r = PairwiseAnalysis.run(load(false, data("toolbench/G1_answer"), data("toolbench/G2_answer"),
                data("toolbench/G3_answer")), AnalysisOptions.defaults());
        assertEquals(List.of("ChatGPT_DFS_woFilter_w2"), r.models());
        assertEquals(13, r.pairs().get(0).tasks());
        assertNull(r.pairs().get(0).scores().sNode(), "one trajectory per query: no pair");
        AnalysisResult.ModelFeatures f = r.features().get("ChatGPT_DFS_woFilter_w2");
        assertArrayEquals(new double[] {0.0, 0.0, 0.0}, f.fSeq(), TOLERANCE);
        assertArrayEquals(new double[] {0.022222222222222223, 0.038461538461538464, 0.0}, f.fDep(), TOLERANCE);
    }

    /**
     * The tau2 bare-list fixture, worked out by hand as well. Task "0": trial 0 (reward 1) calls
     * get_reservation_details then cancel_reservation; trial 1 (reward 0) calls get_user_details twice,
     * the first an error. Succ = {trial 0}, F = its two tools: O(trial 0) = {}, O(trial 1) =
     * {get_user_details}: S_node = J = 0. f_seq(trial 0) = [0/1 verified, 1/1 confirmed (assistant text,
     * then the user's "Yes", between the READ and the write), 0 errors] = [0, 1, 0]; f_seq(trial 1) =
     * [no write, no write, 1/1 retried] = [0, 0, 1]: S_seq = cos = 0. Every argument value was said by
     * the user first (rule 2), so no edges: both f_dep are 0 and S_dep = cos(0, 0) = 1. AGS = 1/3.
     */
    @Test
    void tau2BareListFixture() throws URISyntaxException {
        Path file = Path.of(getClass().getResource("/tau2/gpt-4.1-mini-airline.json").toURI());
        AnalysisResult.PairResult p = PairwiseAnalysis.run(load(true, file), AnalysisOptions.defaults())
                .pair("gpt-4.1-mini/trial-0", "gpt-4.1-mini/trial-1");
        assertEquals(0.0, p.scores().sNode(), TOLERANCE);
        assertEquals(0.0, p.scores().sSeq(), TOLERANCE);
        assertEquals(1.0, p.scores().sDep(), TOLERANCE);
        assertEquals(1.0 / 3, p.scores().ags(), TOLERANCE);
    }
}
