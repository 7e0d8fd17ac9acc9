package io.distillab.core.metrics;

/**
 * Numerators and denominators of S_seq's and S_dep's features (SPEC section 3) over some set of
 * trajectories. Rates are pooled (sums of numerators over sums of denominators), so counts add up
 * across trajectories and tasks, and a bootstrap resample is a sum of per-task counts.
 */
public record FeatureCounts(long wtvNum, long wtvDen, long pwcNum, long pwcDen, long retryNum, long retryDen,
                            long reuseNum, long reuseDen, double depthSum, long depthCount,
                            long fanNum, long fanDen) {

    public static final FeatureCounts ZERO = new FeatureCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public FeatureCounts plus(FeatureCounts o) {
        return new FeatureCounts(wtvNum + o.wtvNum, wtvDen + o.wtvDen, pwcNum + o.pwcNum, pwcDen + o.pwcDen,
                retryNum + o.retryNum, retryDen + o.retryDen, reuseNum + o.reuseNum, reuseDen + o.reuseDen,
                depthSum + o.depthSum, depthCount + o.depthCount, fanNum + o.fanNum, fanDen + o.fanDen);
    }

    /** f_seq = [write-then-verify, pre-write confirmation, error retry]. */
    public double[] fSeq() {
        return new double[] {rate(wtvNum, wtvDen), rate(pwcNum, pwcDen), rate(retryNum, retryDen)};
    }

    /** f_dep = [output reuse, chain depth, fan-out]. */
    public double[] fDep() {
        return new double[] {rate(reuseNum, reuseDen), depthCount == 0 ? 0.0 : depthSum / depthCount,
                rate(fanNum, fanDen)};
    }

    private static double rate(long num, long den) {
        return den == 0 ? 0.0 : (double) num / den;
    }

    /** Accumulates counts without allocating per addition (for hot loops). */
    public static final class Accumulator {
        private final long[] l = new long[11];
        private double depthSum;

        public void add(FeatureCounts c) {
            add(c, 1);
        }

        /** Adds {@code c} {@code times} times (a task drawn several times by a bootstrap resample). */
        public void add(FeatureCounts c, int times) {
            l[0] += c.wtvNum * times;
            l[1] += c.wtvDen * times;
            l[2] += c.pwcNum * times;
            l[3] += c.pwcDen * times;
            l[4] += c.retryNum * times;
            l[5] += c.retryDen * times;
            l[6] += c.reuseNum * times;
            l[7] += c.reuseDen * times;
            depthSum += c.depthSum * times;
            l[8] += c.depthCount * times;
            l[9] += c.fanNum * times;
            l[10] += c.fanDen * times;
        }

        public FeatureCounts result() {
            return new FeatureCounts(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], depthSum, l[8], l[9], l[10]);
        }
    }
}
