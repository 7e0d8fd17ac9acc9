package io.distillab.training.loss;

import io.distillab.training.parallel.Items;
import java.util.concurrent.atomic.LongAdder;

/**
 * Compares a candidate result (the GPU's) with a reference (the CPU's) on the same inputs.
 *
 * <p>Scalars (loss, kl, ce) must agree to {@code rtol} relative. The gradient is compared
 * element by element against the magnitude of the terms it is made of,
 * {@code bound_v = |cK| (q_v + p_v) + |cC| (s_v + [v = y])}: a float32 computation of
 * {@code cK (q_v - p_v)} is exact to a few ulp of q_v and p_v, not of their difference, so
 * relative error against |g_v| would fail where q_v and p_v nearly cancel, and error against
 * max|g| would pass almost anything (the label's entry dominates). Each element must satisfy
 * {@code |g_v - ref_v| <= rtol * bound_v}, plus one bfloat16 ulp for bfloat16 gradients, whose
 * two roundings (from float on the GPU, from double on the CPU) may land on neighbours. A NaN
 * anywhere (an element the kernel did not write, when the output was poisoned) fails.
 */
public final class LossComparison {
    /**
     * @param lossError      |loss - ref| / |ref|
     * @param klError        likewise for kl
     * @param ceError        likewise for ce
     * @param gradientError  max over elements of |g - ref| / bound
     * @param violations     elements outside their tolerance (NaN included)
     * @param nonFinite      NaN or infinite elements of the candidate gradient
     * @param rtol           the tolerance used
     */
    public record Report(double lossError, double klError, double ceError, double gradientError, long violations,
                         long nonFinite, double rtol) {
        public boolean passed() {
            return lossError <= rtol && klError <= rtol && ceError <= rtol && violations == 0 && nonFinite == 0;
        }

        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "%s: loss %.2e kl %.2e ce %.2e (relative), gradient max %.2e of term bound, %d violations, %d non-finite (rtol %.0e)",
                    passed() ? "PASS" : "FAIL", lossError, klError, ceError, gradientError, violations, nonFinite, rtol);
        }
    }

    private LossComparison() {
    }

    public static Report compare(LossInputs inputs, LossConfig config, LossResult reference, LossResult candidate,
                                 double rtol, int threads) {
        double lossError = relative(candidate.loss(), reference.loss());
        double klError = relative(candidate.kl(), reference.kl());
        double ceError = relative(candidate.ce(), reference.ce());
        if (reference.gradient() == null || candidate.gradient() == null) {
            return new Report(lossError, klError, ceError, 0, 0, 0, rtol);
        }
        LossWeights weights = new LossWeights(inputs, config);
        Logits ref = reference.gradient();
        Logits got = candidate.gradient();
        boolean bf16 = got.precision() == Logits.Precision.BFLOAT16;
        int vocab = inputs.vocab();
        double inverseT = 1.0 / config.temperature();
        boolean sameAB = config.temperature() == 1.0;
        Logits teacher = inputs.teacher() instanceof Teacher.Dense d ? d.logits() : null;
        Teacher.Sparse sparse = inputs.teacher() instanceof Teacher.Sparse s ? s : null;
        LongAdder violations = new LongAdder();
        LongAdder nonFinite = new LongAdder();
        double[] worst = {0};
        Items.run(threads, inputs.rows(), () -> {
            CpuRowKernel kernel = new CpuRowKernel(inputs, weights, config);
            float[] z = new float[vocab];
            float[] u = new float[vocab];
            float[] r = new float[vocab];
            float[] g = new float[vocab];
            double[] p = new double[vocab];
            return row -> {
                CpuRowKernel.RowStatistics st = kernel.statistics(row);
                int span = inputs.span(row);
                int label = inputs.label(row);
                double cK = st.kl() ? weights.klGradientCoefficient(span) : 0;
                double cC = st.ce() ? weights.ceGradientCoefficient(span) : 0;
                inputs.student().loadRow(row, 0, vocab, z);
                ref.loadRow(row, 0, vocab, r);
                got.loadRow(row, 0, vocab, g);
                java.util.Arrays.fill(p, 0);
                if (st.kl() && teacher != null) {
                    teacher.loadRow(row, 0, vocab, u);
                    for (int c = 0; c < vocab; c++) {
                        p[c] = Math.exp(u[c] * inverseT - st.lseC());
                    }
                } else if (st.kl() && sparse != null) {
                    for (int j = 0; j < sparse.k(); j++) {
                        float lp = sparse.logProb()[row * sparse.k() + j];
                        p[sparse.index()[row * sparse.k() + j]] =
                                lp == Float.NEGATIVE_INFINITY ? 0 : Math.exp(lp * inverseT - st.lseC());
                    }
                }
                double rowWorst = 0;
                long rowViolations = 0;
                long rowNonFinite = 0;
                for (int c = 0; c < vocab; c++) {
                    double q = st.kl() || (st.ce() && sameAB) ? Math.exp(z[c] * inverseT - st.lseA()) : 0;
                    double s = !st.ce() ? 0 : sameAB ? q : Math.exp(z[c] - st.lseB());
                    double bound = Math.abs(cK) * (q + p[c]) + Math.abs(cC) * (s + (c == label ? 1 : 0));
                    double error = Math.abs((double) g[c] - r[c]);
                    double allowed = rtol * bound + Float.MIN_NORMAL
                            + (bf16 ? bf16Ulp(Math.max(Math.abs(g[c]), Math.abs(r[c]))) : 0);
                    if (!Float.isFinite(g[c])) {
                        rowNonFinite++;
                    }
                    if (!(error <= allowed)) {
                        rowViolations++;
                    }
                    if (bound > 0 || error > 0) {
                        rowWorst = Math.max(rowWorst, error / Math.max(bound, Float.MIN_NORMAL));
                    }
                }
                violations.add(rowViolations);
                nonFinite.add(rowNonFinite);
                synchronized (worst) {
                    worst[0] = Math.max(worst[0], Double.isNaN(rowWorst) ? Double.POSITIVE_INFINITY : rowWorst);
                }
            };
        });
        return new Report(lossError, klError, ceError, worst[0], violations.sum(), nonFinite.sum(), rtol);
    }

    /** The spacing of bfloat16 values at magnitude x (8 significant bits). */
    static double bf16Ulp(double x) {
        if (x == 0 || !Double.isFinite(x)) {
            return 0;
        }
        return Math.scalb(1.0, Math.getExponent(Math.max(x, Float.MIN_NORMAL)) - 7);
    }

    private static double relative(double candidate, double reference) {
        if (candidate == reference) {
            return 0;
        }
        double error = Math.abs(candidate - reference) / Math.abs(reference);
        return Double.isNaN(error) ? Double.POSITIVE_INFINITY : error;
    }
}
