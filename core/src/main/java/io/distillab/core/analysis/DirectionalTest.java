package io.distillab.core.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SPEC section 4's directional distillation test: with student-before S0, student-after S1, teacher
 * T and control C, {@code dT = M(S1,T) - M(S0,T)}, {@code dC = M(S1,C) - M(S0,C)}; the verdict is
 * "toward T" when the bootstrap interval of {@code dT - dC} lies above 0. Reported for AGS and GED.
 *
 * <p>The four pairs are evaluated on the tasks all four models share, and each bootstrap resample
 * draws those tasks once for all four pairs, so the interval reflects the pairing of the scores.
 */
public final class DirectionalTest {
    public static final String TOWARD_TEACHER = "toward T";
    public static final String NOT_SHOWN = "not shown";

    /** One metric's outcome; values are null where the metric is undefined on these tasks. */
    public record Direction(Double dT, Double dC, Double difference, double[] ci, String verdict) {
    }

    public record Result(String studentBefore, String studentAfter, String teacher, String control, int tasks,
                         int resamples, Map<String, Direction> byMetric) {
    }

    private DirectionalTest() {
    }

    /**
     * @param options the analysis options; GED is computed for these four pairs whatever they say, and
     *                a bootstrap of 0 means SPEC's default of 1000 resamples here (an interval is the point)
     */
    public static Result run(Population population, AnalysisOptions options, String s0, String s1, String teacher,
                             String control) {
        int resamples = options.bootstrap() > 0 ? options.bootstrap() : AnalysisOptions.DEFAULT_BOOTSTRAP;
        AnalysisIndex index = new AnalysisIndex(population, options.withGed(true));
        int iS0 = index.modelIndex(s0);
        int iS1 = index.modelIndex(s1);
        int iT = index.modelIndex(teacher);
        int iC = index.modelIndex(control);
        int[] common = index.commonTasks(iS0, iS1, iT, iC);
        AnalysisIndex.PairStats[] stats = {
            index.pairStats(Math.min(iS1, iT), Math.max(iS1, iT)),
            index.pairStats(Math.min(iS0, iT), Math.max(iS0, iT)),
            index.pairStats(Math.min(iS1, iC), Math.max(iS1, iC)),
            index.pairStats(Math.min(iS0, iC), Math.max(iS0, iC)),
        };
        int[][] positions = new int[4][];
        for (int p = 0; p < 4; p++) {
            positions[p] = stats[p].positions(common);
        }
        List<String> metrics = List.of("ags", "ged");
        int[] ones = new int[common.length];
        java.util.Arrays.fill(ones, 1);
        Double[][] point = differences(stats, positions, ones, metrics);
        double[][] samples = new double[metrics.size()][resamples];
        int[] n = new int[metrics.size()];
        if (common.length > 0) {
            Bootstrap boot = new Bootstrap(common.length, options.seed());
            for (int r = 0; r < resamples; r++) {
                Double[][] d = differences(stats, positions, boot.next(), metrics);
                for (int m = 0; m < metrics.size(); m++) {
                    if (d[m][2] != null) {
                        samples[m][n[m]++] = d[m][2];
                    }
                }
            }
        }
        Map<String, Direction> by = new LinkedHashMap<>();
        for (int m = 0; m < metrics.size(); m++) {
            double[] ci = Bootstrap.interval95(samples[m], n[m]);
            String verdict = ci != null && ci[0] > 0 ? TOWARD_TEACHER : NOT_SHOWN;
            by.put(metrics.get(m), new Direction(point[m][0], point[m][1], point[m][2], ci, verdict));
        }
        return new Result(s0, s1, teacher, control, common.length, resamples, by);
    }

    /** [metric][dT, dC, dT - dC] with the common tasks weighted by {@code weight}. */
    private static Double[][] differences(AnalysisIndex.PairStats[] stats, int[][] positions, int[] weight,
                                          List<String> metrics) {
        Scores[] s = new Scores[4];
        for (int p = 0; p < 4; p++) {
            int[] w = new int[stats[p].tasks.length];
            for (int i = 0; i < weight.length; i++) {
                w[positions[p][i]] += weight[i];
            }
            s[p] = stats[p].scores(w);
        }
        Double[][] out = new Double[metrics.size()][3];
        for (int m = 0; m < metrics.size(); m++) {
            String metric = metrics.get(m);
            Double s1t = s[0].get(metric), s0t = s[1].get(metric), s1c = s[2].get(metric), s0c = s[3].get(metric);
            Double dT = s1t == null || s0t == null ? null : s1t - s0t;
            Double dC = s1c == null || s0c == null ? null : s1c - s0c;
            out[m][0] = dT;
            out[m][1] = dC;
            out[m][2] = dT == null || dC == null ? null : dT - dC;
        }
        return out;
    }
}
