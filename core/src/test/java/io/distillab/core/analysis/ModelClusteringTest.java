package io.distillab.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Average linkage on 1 - AGS, worked by hand. Five models; AGS of the pairs (distance = 1 - AGS):
 * <pre>
 *          m1    m2    m3    m4    m5
 *    m1     -   0.3   0.9   0.4   null
 *    m2          -    0.2   0.8   null
 *    m3                -    0.5   null
 *    m4                      -    null
 * </pre>
 * d(m1,m3) = 0.1 is the least: merge at 0.1. Then d({m1,m3}, m2) = (0.7 + 0.8)/2 = 0.75,
 * d({m1,m3}, m4) = (0.6 + 0.5)/2 = 0.55, d(m2, m4) = 0.2, d(·, m5) = 1 (null counts as distance 1):
 * merge m2, m4 at 0.2. Then d({m1,m3}, {m2,m4}) = (0.7 + 0.6 + 0.8 + 0.5)/4 = 0.65: merge at 0.65
 * (single linkage would say 0.5, complete linkage 0.8). Last, m5 at 1. Leaf order: m1 m3 m2 m4 m5.
 */
class ModelClusteringTest {
    private static final List<String> MODELS = List.of("m1", "m2", "m3", "m4", "m5");
    private static final Map<String, Double> AGS = Map.of("m1|m2", 0.3, "m1|m3", 0.9, "m1|m4", 0.4, "m2|m3", 0.2,
            "m2|m4", 0.8, "m3|m4", 0.5);

    static AnalysisResult result() {
        List<AnalysisResult.PairResult> pairs = new ArrayList<>();
        for (int i = 0; i < MODELS.size(); i++) {
            for (int j = i; j < MODELS.size(); j++) {
                Double ags = AGS.get(MODELS.get(i) + "|" + MODELS.get(j));
                pairs.add(new AnalysisResult.PairResult(MODELS.get(i), MODELS.get(j), 1,
                        new Scores(ags, ags, 1, 1, null), null, null));
            }
        }
        return new AnalysisResult(MODELS, pairs, Map.of(), AnalysisOptions.defaults());
    }

    @Test
    void averageLinkageAsWorkedOut() {
        ModelClustering.Dendrogram d = ModelClustering.of(result(), "ags");
        assertEquals(List.of("m1", "m3", "m2", "m4", "m5"), d.order());
        List<ModelClustering.Merge> m = d.merges();
        assertEquals(4, m.size());
        assertEquals(0, m.get(0).left());
        assertEquals(2, m.get(0).right());
        assertEquals(0.1, m.get(0).height(), 1e-12);
        assertEquals(1, m.get(1).left());
        assertEquals(3, m.get(1).right());
        assertEquals(0.2, m.get(1).height(), 1e-12);
        assertEquals(5, m.get(2).left(), "node 5 = the first merge");
        assertEquals(6, m.get(2).right(), "node 6 = the second");
        assertEquals(0.65, m.get(2).height(), 1e-12);
        assertEquals(4, m.get(2).size());
        assertEquals(7, m.get(3).left());
        assertEquals(4, m.get(3).right());
        assertEquals(1.0, m.get(3).height(), 1e-12);
        // leaf positions in the order m1 m3 m2 m4 m5; a merge sits between its children
        double[] pos = d.positions();
        assertEquals(0, pos[0]);
        assertEquals(2, pos[1]);
        assertEquals(1, pos[2]);
        assertEquals(0.5, pos[5]);
        assertEquals(2.5, pos[6]);
        assertEquals(1.5, pos[7]);
    }

    @Test
    void oneModelAndNone() {
        assertEquals(List.of("a"), ModelClustering.averageLinkage(List.of("a"), new double[1][1]).order());
        assertEquals(List.of(), ModelClustering.averageLinkage(List.of(), new double[0][0]).order());
    }
}
