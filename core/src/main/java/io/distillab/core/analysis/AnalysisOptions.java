package io.distillab.core.analysis;

import io.distillab.core.metrics.GraphEditDistance;
import io.distillab.core.trajectory.Trajectory;

/**
 * The parameters of an analysis, each with SPEC's default.
 *
 * @param wNode             AGS weight of S_node (default 1/3)
 * @param wSeq              AGS weight of S_seq (default 1/3)
 * @param wDep              AGS weight of S_dep (default 1/3)
 * @param ged               compute the GED baseline
 * @param gedExactMaxNodes  exact GED up to this many nodes per graph (default 10)
 * @param bootstrap         bootstrap resamples for 95% intervals; 0 for none (SPEC's default when asked: 1000)
 * @param seed              bootstrap seed (default 0)
 * @param successThreshold  success = reward &gt;= this (default 1.0)
 * @param emptyAgreement    agreement of two empty optional-tool sets (default 1)
 */
public record AnalysisOptions(double wNode, double wSeq, double wDep, boolean ged, int gedExactMaxNodes,
                              int bootstrap, long seed, double successThreshold, double emptyAgreement) {

    public static final int DEFAULT_BOOTSTRAP = 1000;

    public AnalysisOptions {
        if (bootstrap < 0) {
            throw new IllegalArgumentException("bootstrap must be >= 0, got " + bootstrap);
        }
        if (gedExactMaxNodes < 0) {
            throw new IllegalArgumentException("gedExactMaxNodes must be >= 0, got " + gedExactMaxNodes);
        }
        for (double w : new double[] {wNode, wSeq, wDep}) {
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("weights must be finite and >= 0, got " + w);
            }
        }
    }

    public static AnalysisOptions defaults() {
        return new AnalysisOptions(1.0 / 3, 1.0 / 3, 1.0 / 3, false, GraphEditDistance.DEFAULT_EXACT_MAX_NODES, 0, 0,
                Trajectory.DEFAULT_SUCCESS_THRESHOLD, 1.0);
    }

    public AnalysisOptions withWeights(double node, double seq, double dep) {
        return new AnalysisOptions(node, seq, dep, ged, gedExactMaxNodes, bootstrap, seed, successThreshold,
                emptyAgreement);
    }

    public AnalysisOptions withGed(boolean on) {
        return new AnalysisOptions(wNode, wSeq, wDep, on, gedExactMaxNodes, bootstrap, seed, successThreshold,
                emptyAgreement);
    }

    public AnalysisOptions withGedExactMaxNodes(int n) {
        return new AnalysisOptions(wNode, wSeq, wDep, ged, n, bootstrap, seed, successThreshold, emptyAgreement);
    }

    public AnalysisOptions withBootstrap(int resamples, long seed) {
        return new AnalysisOptions(wNode, wSeq, wDep, ged, gedExactMaxNodes, resamples, seed, successThreshold,
                emptyAgreement);
    }

    public AnalysisOptions withSuccessThreshold(double t) {
        return new AnalysisOptions(wNode, wSeq, wDep, ged, gedExactMaxNodes, bootstrap, seed, t, emptyAgreement);
    }

    public AnalysisOptions withEmptyAgreement(double e) {
        return new AnalysisOptions(wNode, wSeq, wDep, ged, gedExactMaxNodes, bootstrap, seed, successThreshold, e);
    }
}
