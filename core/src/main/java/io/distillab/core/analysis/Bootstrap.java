package io.distillab.core.analysis;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap over tasks (SPEC section 4): each resample draws as many tasks as there are,
 * with replacement, as a multiplicity per task; statistics are recomputed with those weights.
 */
public final class Bootstrap {
    private final SplittableRandom random;
    private final int tasks;

    /** A fresh stream per seed, so a pair's interval depends on nothing but its own tasks and the seed. */
    public Bootstrap(int tasks, long seed) {
        this.random = new SplittableRandom(seed);
        this.tasks = tasks;
    }

    /** The next resample: how many times each of the tasks was drawn. */
    public int[] next() {
        int[] w = new int[tasks];
        for (int i = 0; i < tasks; i++) {
            w[random.nextInt(tasks)]++;
        }
        return w;
    }

    /**
     * The central 95% percentile interval of the first {@code n} values, with linear interpolation
     * between order statistics (numpy's default); null when there are none.
     */
    public static double[] interval95(double[] values, int n) {
        if (n == 0) {
            return null;
        }
        double[] s = Arrays.copyOf(values, n);
        Arrays.sort(s);
        return new double[] {percentile(s, 0.025), percentile(s, 0.975)};
    }

    static double percentile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
