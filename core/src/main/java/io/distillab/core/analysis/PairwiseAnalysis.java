package io.distillab.core.analysis;

import io.distillab.core.metrics.FeatureCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/** The pairwise matrix of SPEC section 4, with bootstrap intervals when asked for. */
public final class PairwiseAnalysis {
    private PairwiseAnalysis() {
    }

    public static AnalysisResult run(Population population, AnalysisOptions options) {
        return run(population, options, ProgressListener.NONE);
    }

    public static AnalysisResult run(Population population, AnalysisOptions options, ProgressListener progress) {
        AnalysisIndex index = new AnalysisIndex(population, options);
        List<int[]> pairs = AnalysisIndex.unorderedPairsWithDiagonal(index.models.size());
        AnalysisResult.PairResult[] results = new AnalysisResult.PairResult[pairs.size()];
        AtomicInteger done = new AtomicInteger();
        IntStream.range(0, pairs.size()).parallel().forEach(i -> {
            int[] p = pairs.get(i);
            results[i] = pair(index, p[0], p[1]);
            progress.progress(done.incrementAndGet(), pairs.size());
        });
        Map<String, AnalysisResult.ModelFeatures> features = new TreeMap<>();
        for (Map.Entry<String, FeatureCounts> e : index.modelCounts().entrySet()) {
            features.put(e.getKey(), new AnalysisResult.ModelFeatures(e.getValue().fSeq(), e.getValue().fDep()));
        }
        return new AnalysisResult(index.models, List.of(results), features, options);
    }

    static AnalysisResult.PairResult pair(AnalysisIndex index, int a, int b) {
        AnalysisIndex.PairStats stats = index.pairStats(a, b);
        Scores point = stats.scores(null);
        Map<String, double[]> ci = null;
        AnalysisOptions o = index.options;
        if (o.bootstrap() > 0) {
            ci = intervals(stats, o.bootstrap(), o.seed(), o.ged());
        }
        return new AnalysisResult.PairResult(index.models.get(a), index.models.get(b), stats.tasks.length, point,
                o.ged() ? stats.gedExact : null, ci);
    }

    private static Map<String, double[]> intervals(AnalysisIndex.PairStats stats, int resamples, long seed,
                                                   boolean ged) {
        List<String> metrics = new ArrayList<>(Scores.METRICS);
        if (!ged) {
            metrics.remove("ged");
        }
        double[][] samples = new double[metrics.size()][resamples];
        int[] counts = new int[metrics.size()];
        if (stats.tasks.length > 0) {
            Bootstrap boot = new Bootstrap(stats.tasks.length, seed);
            for (int r = 0; r < resamples; r++) {
                Scores s = stats.scores(boot.next());
                for (int m = 0; m < metrics.size(); m++) {
                    Double v = s.get(metrics.get(m));
                    if (v != null) {
                        samples[m][counts[m]++] = v;
                    }
                }
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        for (int m = 0; m < metrics.size(); m++) {
            out.put(metrics.get(m), Bootstrap.interval95(samples[m], counts[m]));
        }
        return out;
    }
}
