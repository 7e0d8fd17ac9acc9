package io.distillab.core.analysis;

import static io.distillab.core.TrajectoryBuilder.tools;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.tools.ToolClasses;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The directional test on a toy distillation: on every task all runs succeed and call "get"
 * (mandatory); the teacher T adds "verify", the control C adds "browse", the student before S0
 * adds nothing and the student after S1 adds "verify" like its teacher.
 *
 * <p>AGS: S_node(S1,T) = J({verify},{verify}) = 1, S_node(S0,T) = J({},{verify}) = 0, S_node(S1,C) =
 * J({verify},{browse}) = 0, S_node(S0,C) = 0; S_seq = S_dep = 1 everywhere (no edges, no writes). So
 * dT = 1/3, dC = 0, dT - dC = 1/3 on every resample: the interval is [1/3, 1/3], "toward T".
 * GED similarity: S1 = T → 1; S0 [get] vs T [get, verify]: one node and one edge inserted over a size
 * of 1 + 2 + 0 + 1 → 1 - 2/4 = 1/2; S1 vs C: one relabel over 2 + 2 + 1 + 1 → 5/6; S0 vs C → 1/2.
 * dT = 1/2, dC = 1/3, dT - dC = 1/6.
 */
class DirectionalAndFamilyTest {
    static Population toy() {
        Population p = new Population();
        for (int t = 0; t < 10; t++) {
            p.add(tools("T", "t" + t, 0, 1, "get", "verify"), ToolClasses.defaults());
            p.add(tools("C", "t" + t, 0, 1, "get", "browse"), ToolClasses.defaults());
            p.add(tools("S0", "t" + t, 0, 1, "get"), ToolClasses.defaults());
            p.add(tools("S1", "t" + t, 0, 1, "get", "verify"), ToolClasses.defaults());
        }
        return p;
    }

    @Test
    void directionTowardTheTeacher() {
        DirectionalTest.Result r = DirectionalTest.run(toy(), AnalysisOptions.defaults(), "S0", "S1", "T", "C");
        assertEquals(10, r.tasks());
        assertEquals(1000, r.resamples(), "SPEC's default when no bootstrap was asked for");
        DirectionalTest.Direction ags = r.byMetric().get("ags");
        assertEquals(1.0 / 3, ags.dT(), 1e-12);
        assertEquals(0.0, ags.dC(), 1e-12);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3}, ags.ci(), 1e-12);
        assertEquals(DirectionalTest.TOWARD_TEACHER, ags.verdict());
        DirectionalTest.Direction ged = r.byMetric().get("ged");
        assertEquals(0.5, ged.dT(), 1e-12);
        assertEquals(1.0 / 3, ged.dC(), 1e-12);
        assertEquals(1.0 / 6, ged.difference(), 1e-12);
    }

    @Test
    void noDirectionWhenTheStudentMovesTowardTheControl() {
        DirectionalTest.Result r = DirectionalTest.run(toy(), AnalysisOptions.defaults(), "S1", "S0", "T", "C");
        assertEquals(DirectionalTest.NOT_SHOWN, r.byMetric().get("ags").verdict());
    }

    /**
     * A student that moves toward the teacher on k of 20 tasks and toward the control on the others.
     * Every run succeeds and calls "get" (mandatory); T adds "verify", C adds "browse", S0 nothing, S1
     * "verify" on tasks 0..k-1 and "browse" on the rest. S_node(S1,T) = k/20, S_node(S1,C) = (20-k)/20,
     * S_node(S0,·) = 0, S_seq = S_dep = 1 everywhere, so dT - dC = (k - (20 - k))/20/3 = (2k - 20)/60:
     * the mean of 20 per-task values of ±1/3. With k = 12 the point is positive (4/60) but a resample's
     * mean has a standard deviation of about sqrt(1 - 0.2²)/sqrt(20)/3 ≈ 0.073, so the interval reaches
     * below 0: "not shown". With k = 18 the point is 16/60 and the interval lies far above 0: "toward T".
     * The verdict flips with the data, not with the point estimate's sign alone.
     */
    @Test
    void theVerdictFlipsWhenTheShareOfTasksTowardTheTeacherGrows() {
        for (int k : new int[] {12, 18}) {
            Population p = new Population();
            for (int t = 0; t < 20; t++) {
                p.add(tools("T", "t" + t, 0, 1, "get", "verify"), ToolClasses.defaults());
                p.add(tools("C", "t" + t, 0, 1, "get", "browse"), ToolClasses.defaults());
                p.add(tools("S0", "t" + t, 0, 1, "get"), ToolClasses.defaults());
                p.add(tools("S1", "t" + t, 0, 1, "get", t < k ? "verify" : "browse"), ToolClasses.defaults());
            }
            DirectionalTest.Direction ags = DirectionalTest.run(p, AnalysisOptions.defaults(), "S0", "S1", "T", "C")
                    .byMetric().get("ags");
            assertEquals(k / 20.0 / 3, ags.dT(), 1e-12);
            assertEquals((20 - k) / 20.0 / 3, ags.dC(), 1e-12);
            assertEquals((2 * k - 20) / 60.0, ags.difference(), 1e-12);
            assertTrue(ags.ci()[0] <= ags.difference() && ags.difference() <= ags.ci()[1], "k = " + k);
            if (k == 12) {
                assertTrue(ags.ci()[0] < 0, "k = 12: the interval reaches below 0: " + ags.ci()[0]);
                assertEquals(DirectionalTest.NOT_SHOWN, ags.verdict());
            } else {
                assertTrue(ags.ci()[0] > 0.1, "k = 18: far above 0: " + ags.ci()[0]);
                assertEquals(DirectionalTest.TOWARD_TEACHER, ags.verdict());
            }
        }
    }

    @Test
    void familyMeansOverDistinctPairs() {
        // families: {T, S1} and {C, S0}. AGS within: (T,S1) = 1, (C,S0) = (0 + 1 + 1)/3 = 2/3 (S_node of
        // J({browse},{}) = 0) → mean 5/6. Cross: (T,C) 2/3, (T,S0) 2/3, (S1,C) 2/3, (S1,S0) 2/3 → 2/3.
        AnalysisResult r = PairwiseAnalysis.run(toy(), AnalysisOptions.defaults());
        Map<String, FamilyView.Row> f = FamilyView.of(r, Map.of("T", "x", "S1", "x", "C", "y", "S0", "y"));
        assertEquals(5.0 / 6, f.get("ags").within(), 1e-12);
        assertEquals(2, f.get("ags").withinPairs());
        assertEquals(2.0 / 3, f.get("ags").cross(), 1e-12);
        assertEquals(4, f.get("ags").crossPairs());
        assertNull(f.get("ged").within(), "GED not computed");
    }
}
