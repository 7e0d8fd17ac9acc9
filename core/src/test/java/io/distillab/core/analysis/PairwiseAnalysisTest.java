package io.distillab.core.analysis;

import static io.distillab.core.TrajectoryBuilder.tools;
import static io.distillab.core.TrajectoryBuilder.traj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * S_node with mandatory-tool exclusion and AGS on a hand-built population (SPEC section 3).
 *
 * <pre>
 * task t1 (successes exist)                   optional = Tools \ F_t1, F_t1 = {get_user, book}
 *   A0 {get_user, search, book}       r=1      {search}
 *   A1 {get_user, search, book, think} r=0     {search, think}
 *   B0 {get_user, book, list_airports} r=1     {list_airports}
 *   B1 {get_user, book}               r=0      {}
 *   C0 {get_user}                     r=0      {}
 *   Succ_t1 = {A0, B0}: F_t1 = {get_user, search, book} ∩ {get_user, book, list_airports} = {get_user, book}
 * task t2 (no success; gold actions {book})   F_t2 = {book}
 *   A0 {book, think} r=0 → {think};  B0 {book} r=0 → {}
 * task t3 (no success, no gold)               F_t3 = {}
 *   A0 {x} r=0 → {x};  B0 {x} r=0 → {x}
 * </pre>
 * S_node(A,B): t1: J({search},{list}) = 0, J({search},{}) = 0, J({search,think},{list}) = 0,
 * J({search,think},{}) = 0 → 0; t2: J({think},{}) = 0; t3: J({x},{x}) = 1 → mean(0, 0, 1) = 1/3.
 * S_node(A,A): only t1 has two trials of A: J({search},{search,think}) = 1/2 (t2, t3: one trial, skipped).
 * S_node(B,C): T(B,C) = {t1}: J({list},{}) = 0, J({},{}) = 1 (both empty) → 1/2.
 * S_node(C,C): C has one trial on its only task → no pair → null, and so is AGS.
 * No call has arguments, so no edges and no WRITE call ("book" has no write prefix): every feature
 * vector is zero, cos(0,0) = 1, S_seq = S_dep = 1, AGS(A,B) = (1/3 + 1 + 1)/3 = 7/9.
 */
class PairwiseAnalysisTest {
    static Population population() {
        List<Trajectory> ts = List.of(
                tools("A", "t1", 0, 1, "get_user", "search", "book"),
                tools("A", "t1", 1, 0, "get_user", "search", "book", "think"),
                tools("B", "t1", 0, 1, "get_user", "book", "list_airports"),
                tools("B", "t1", 1, 0, "get_user", "book"),
                tools("C", "t1", 0, 0, "get_user"),
                traj("A", "t2", 0, 0).call("book", "{}", "ok").call("think", "{}", "ok").gold("book").build(),
                traj("B", "t2", 0, 0).call("book", "{}", "ok").gold("book").build(),
                tools("A", "t3", 0, 0, "x"),
                tools("B", "t3", 0, 0, "x"));
        Population p = new Population();
        ts.forEach(t -> p.add(t, ToolClasses.defaults()));
        return p;
    }

    @Test
    void mandatoryToolsFromSuccessesThenGoldThenNothing() {
        Map<String, java.util.Set<String>> f = AnalysisIndex.mandatoryTools(population(), 1.0);
        assertEquals(java.util.Set.of("get_user", "book"), f.get("t1"));
        assertEquals(java.util.Set.of("book"), f.get("t2"));
        assertEquals(java.util.Set.of(), f.get("t3"));
    }

    @Test
    void sNodeAndAgsAsWorkedOut() {
        AnalysisResult r = PairwiseAnalysis.run(population(), AnalysisOptions.defaults());
        assertEquals(List.of("A", "B", "C"), r.models());
        assertEquals(6, r.pairs().size(), "3 models: 3 off-diagonal pairs and 3 diagonal ones");
        AnalysisResult.PairResult ab = r.pair("A", "B");
        assertEquals(3, ab.tasks());
        assertEquals(1.0 / 3, ab.scores().sNode(), 1e-12);
        assertEquals(1.0, ab.scores().sSeq());
        assertEquals(1.0, ab.scores().sDep());
        assertEquals(7.0 / 9, ab.scores().ags(), 1e-12);
        assertEquals(0.5, r.pair("A", "A").scores().sNode(), 1e-12);
        assertEquals(0.5, r.pair("C", "B").scores().sNode(), 1e-12);
        assertEquals(1, r.pair("B", "C").tasks());
        AnalysisResult.PairResult cc = r.pair("C", "C");
        assertNull(cc.scores().sNode());
        assertNull(cc.scores().ags());
        assertNull(cc.scores().ged(), "GED not asked for");
        assertNull(cc.ci(), "no bootstrap asked for");
    }

    @Test
    void emptyAgreementIsAParameter() {
        AnalysisResult r = PairwiseAnalysis.run(population(), AnalysisOptions.defaults().withEmptyAgreement(0));
        assertEquals(0.0, r.pair("B", "C").scores().sNode(), 1e-12); // J({},{}) now counts 0
    }

    @Test
    void successThresholdChangesMandatoryTools() {
        // with threshold 2 nothing succeeds: F_t1 = {} (no gold on t1); A0 vs B0 now share get_user and book:
        // t1 pairs: J({get_user,search,book},{get_user,book,list}) = 2/4, ({g,s,b},{g,b}) = 2/3,
        // ({g,s,b,think},{g,b,list}) = 2/5, ({g,s,b,think},{g,b}) = 2/4 → mean = (0.5+2/3+0.4+0.5)/4
        AnalysisResult r = PairwiseAnalysis.run(population(), AnalysisOptions.defaults().withSuccessThreshold(2));
        double t1 = (0.5 + 2.0 / 3 + 0.4 + 0.5) / 4;
        assertEquals((t1 + 0 + 1) / 3, r.pair("A", "B").scores().sNode(), 1e-12);
    }

    @Test
    void weightsWeighTheThreeParts() {
        AnalysisResult r = PairwiseAnalysis.run(population(), AnalysisOptions.defaults().withWeights(1, 0, 0));
        assertEquals(1.0 / 3, r.pair("A", "B").scores().ags(), 1e-12);
    }

    @Test
    void sSeqIsCosineOfPooledRates() {
        // A writes once and verifies; B writes twice, verifying once: f_A = [1, 0, 0], f_B = [0.5, 0, 0]
        // → cos = 1 (parallel). C writes and never verifies: f_C = [0, 0, 0] → cos(f_A, 0) = 0.
        String w = "{\"id\":\"R12345\"}";
        Population p = new Population();
        for (Trajectory t : List.of(
                traj("A", "t", 0, 0).call("cancel_reservation", w, "ok").call("get_reservation_details", w, "ok").build(),
                traj("B", "t", 0, 0).call("cancel_reservation", w, "ok").call("get_reservation_details", w, "ok")
                        .call("cancel_reservation", "{\"id\":\"R99999\"}", "ok").build(),
                traj("C", "t", 0, 0).call("cancel_reservation", w, "ok").build())) {
            p.add(t, ToolClasses.defaults());
        }
        AnalysisResult r = PairwiseAnalysis.run(p, AnalysisOptions.defaults());
        assertArrayEquals(new double[] {1, 0, 0}, r.features().get("A").fSeq(), 0);
        assertArrayEquals(new double[] {0.5, 0, 0}, r.features().get("B").fSeq(), 0);
        assertEquals(1.0, r.pair("A", "B").scores().sSeq(), 1e-12);
        assertEquals(0.0, r.pair("A", "C").scores().sSeq(), 0);
        assertEquals(1.0, r.pair("C", "C").scores().sSeq(), 0, "diagonal: 1 by construction, even for zero vectors");
    }

    @Test
    void featuresOfAPairUseOnlySharedTasks() {
        // A verifies on t1 only; B exists on t2 only with A: T(A,B) = {t2}, where A never writes → f_A = 0, f_B = 0
        String w = "{\"id\":\"R12345\"}";
        Population p = new Population();
        p.add(traj("A", "t1", 0, 0).call("cancel_reservation", w, "ok").call("get_reservation_details", w, "ok").build(),
                ToolClasses.defaults());
        p.add(tools("A", "t2", 0, 0, "x"), ToolClasses.defaults());
        p.add(tools("B", "t2", 0, 0, "x"), ToolClasses.defaults());
        AnalysisResult r = PairwiseAnalysis.run(p, AnalysisOptions.defaults());
        assertEquals(1.0, r.pair("A", "B").scores().sSeq(), 0, "both zero on T(A,B)");
        assertArrayEquals(new double[] {1, 0, 0}, r.features().get("A").fSeq(), 0, "features use all trajectories");
    }

    @Test
    void gedAveragesOverTheSamePairsAsSNode() {
        // t1: A0 [a,b] vs B0 [a,c] → 5/6 ; A0 vs B1 [a,b] → 1 ; t2: A0 [a] vs B0 [a] → 1
        // aggregated as S_node (SPEC section 3): per task t1 (5/6 + 1)/2 = 11/12, t2 1; mean over tasks
        // (11/12 + 1)/2 = 23/24. (The flat mean over the three pairs, (5/6 + 2)/3 = 17/18, is not it.)
        Population p = new Population();
        for (Trajectory t : List.of(tools("A", "t1", 0, 0, "a", "b"), tools("B", "t1", 0, 0, "a", "c"),
                tools("B", "t1", 1, 0, "a", "b"), tools("A", "t2", 0, 0, "a"), tools("B", "t2", 0, 0, "a"))) {
            p.add(t, ToolClasses.defaults());
        }
        AnalysisResult r = PairwiseAnalysis.run(p, AnalysisOptions.defaults().withGed(true));
        assertEquals(23.0 / 24, r.pair("A", "B").scores().ged(), 1e-12);
        assertEquals(Boolean.TRUE, r.pair("A", "B").gedExact());
        // B's two trials on t1: [a,c] vs [a,b] → 5/6 (A has one trial per task: its diagonal GED is null)
        assertEquals(5.0 / 6, r.pair("B", "B").scores().ged(), 1e-12);
        assertNull(r.pair("A", "A").scores().ged());
    }

    @Test
    void bootstrapIntervalsBracketThePointAndAreReproducible() {
        Population p = PropertyTest.randomPopulation(7, 4, 30, 3);
        AnalysisOptions o = AnalysisOptions.defaults().withBootstrap(200, 0).withGed(true);
        AnalysisResult r1 = PairwiseAnalysis.run(p, o);
        AnalysisResult r2 = PairwiseAnalysis.run(p, o);
        for (AnalysisResult.PairResult pr : r1.pairs()) {
            assertNotNull(pr.ci());
            for (String m : Scores.METRICS) {
                double[] iv = pr.ci().get(m);
                Double point = pr.scores().get(m);
                if (point == null) {
                    continue;
                }
                assertNotNull(iv, m);
                assertTrue(iv[0] <= iv[1], m);
                assertTrue(iv[0] >= 0 && iv[1] <= 1, m);
                assertArrayEquals(iv, r2.pair(pr.a(), pr.b()).ci().get(m), 0, "same seed, same interval");
            }
        }
        AnalysisResult other = PairwiseAnalysis.run(p, AnalysisOptions.defaults().withBootstrap(200, 1));
        AnalysisResult.PairResult pr = r1.pairs().get(1);
        assertTrue(!java.util.Arrays.equals(pr.ci().get("ags"), other.pair(pr.a(), pr.b()).ci().get("ags")),
                "another seed draws other resamples");
    }

    /**
     * Data with spread: on 20 tasks A and B each call "get" (mandatory: every run succeeds) and, on
     * tasks 0..9, both add "x" (agreement J({x},{x}) = 1), on tasks 10..19 A adds "x" and B "y" (J = 0).
     * S_node = 10/20 = 1/2; resampling tasks makes it k/20 with k ~ Binomial(20, 1/2), whose central 95%
     * lies near 1/2 ± 1.96·sqrt(1/4/20) = [0.28, 0.72]. The interval must bracket 1/2 and have that
     * width (a bootstrap that ignored its resample weights would give [1/2, 1/2]).
     */
    @Test
    void bootstrapIntervalBracketsThePointOnDataWithSpread() {
        Population p = new Population();
        for (int t = 0; t < 20; t++) {
            p.add(tools("A", "t" + t, 0, 1, "get", "x"), ToolClasses.defaults());
            p.add(tools("B", "t" + t, 0, 1, "get", t < 10 ? "x" : "y"), ToolClasses.defaults());
        }
        AnalysisResult.PairResult ab = PairwiseAnalysis.run(p, AnalysisOptions.defaults().withBootstrap(1000, 0))
                .pair("A", "B");
        assertEquals(0.5, ab.scores().sNode(), 1e-12);
        double[] iv = ab.ci().get("s_node");
        assertTrue(iv[0] < 0.5 && 0.5 < iv[1], java.util.Arrays.toString(iv));
        assertEquals(0.28, iv[0], 0.06, "lower end near the binomial's");
        assertEquals(0.72, iv[1], 0.06, "upper end near the binomial's");
        // AGS = (S_node + 1 + 1)/3 moves with S_node: its interval is the same one, mapped
        double[] ags = ab.ci().get("ags");
        assertEquals((iv[0] + 2) / 3, ags[0], 1e-12);
        assertEquals((iv[1] + 2) / 3, ags[1], 1e-12);
        assertTrue(ags[0] < ab.scores().ags() && ab.scores().ags() < ags[1]);
    }

    @Test
    void percentileInterpolatesLinearly() {
        // numpy.percentile([1,2,3,4,5], [2.5, 97.5]) = [1.1, 4.9]
        assertArrayEquals(new double[] {1.1, 4.9}, Bootstrap.interval95(new double[] {5, 3, 1, 4, 2}, 5), 1e-12);
        assertNull(Bootstrap.interval95(new double[0], 0));
    }
}
