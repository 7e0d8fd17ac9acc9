package io.distillab.core.analysis;

import java.util.List;
import java.util.Map;

/**
 * The pairwise matrix: every unordered pair of models once ({@code a <= b}), the diagonal included,
 * and each model's features over all its trajectories.
 */
public record AnalysisResult(List<String> models, List<PairResult> pairs, Map<String, ModelFeatures> features,
                             AnalysisOptions options) {

    /**
     * One pair of models.
     *
     * @param tasks    |T(A,B)|
     * @param gedExact whether every GED was exact (null when GED was not asked for)
     * @param ci       95% bootstrap intervals by metric name, or null when no bootstrap was asked for
     */
    public record PairResult(String a, String b, int tasks, Scores scores, Boolean gedExact,
                             Map<String, double[]> ci) {
    }

    /** f_seq = [write-then-verify, pre-write confirmation, error retry]; f_dep = [reuse, depth, fan-out]. */
    public record ModelFeatures(double[] fSeq, double[] fDep) {
    }

    /** The pair of two models in either order. */
    public PairResult pair(String x, String y) {
        String a = x.compareTo(y) <= 0 ? x : y;
        String b = a.equals(x) ? y : x;
        for (PairResult p : pairs) {
            if (p.a().equals(a) && p.b().equals(b)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no pair " + x + " / " + y + " in this analysis (models: " + models + ")");
    }
}
