package io.distillab.training.loss;

/**
 * The loss of one row, in double precision, streaming over the vocabulary in tiles.
 *
 * <p>Sweep 1 keeps an online log-sum-exp of a = z/T (for q), b = z (for s) and c = u/T (for p)
 * together with {@code cross = sum_v exp(c_v - M_c) (c_v - a_v)}, rescaled whenever a running
 * maximum grows; per tile the maximum is found first, so each element costs one exp per
 * distribution. Then
 * {@code KL = T^2 (sum_v p_v (c_v - a_v) - LSE(c) + LSE(a)) = T^2 (cross/S_c - LSE(c) + LSE(a))}
 * and {@code CE = LSE(b) - z_y}. Sweep 2 writes
 * {@code dL/dz_v = cK (q_v - p_v) + cC (s_v - [v = y])} with q, s, p recomputed from the
 * final log-sum-exps. When T = 1, a and b are the same distribution and are computed once.
 *
 * <p>One instance per thread: it owns the tile buffers.
 */
final class CpuRowKernel {
    static final int TILE = 2048;

    /** The log-sum-exps of a row and what the row needs. */
    record RowStatistics(boolean kl, boolean ce, double lseA, double lseB, double lseC, double klValue,
                         double ceValue) {
    }

    private final LossInputs inputs;
    private final LossWeights weights;
    private final double temperature;
    private final double inverseT;
    private final boolean sameAB;
    private final Logits teacherLogits;
    private final Teacher.Sparse sparse;
    private final float[] z = new float[TILE];
    private final float[] u = new float[TILE];
    private final double[] g = new double[TILE];

    CpuRowKernel(LossInputs inputs, LossWeights weights, LossConfig config) {
        this.inputs = inputs;
        this.weights = weights;
        this.temperature = config.temperature();
        this.inverseT = 1.0 / temperature;
        this.sameAB = temperature == 1.0;
        this.teacherLogits = inputs.teacher() instanceof Teacher.Dense d ? d.logits() : null;
        this.sparse = inputs.teacher() instanceof Teacher.Sparse s ? s : null;
    }

    RowStatistics statistics(int row) {
        int span = inputs.span(row);
        int label = inputs.label(row);
        boolean kl = weights.computesKl(span);
        boolean ce = weights.computesCe(span, label);
        if (!kl && !ce) {
            return new RowStatistics(false, false, 0, 0, 0, 0, 0);
        }
        boolean needA = kl || sameAB;
        boolean needB = ce && !sameAB;
        boolean dense = kl && teacherLogits != null;
        Logits student = inputs.student();
        int vocab = inputs.vocab();
        double maxA = Double.NEGATIVE_INFINITY, sumA = 0;
        double maxB = Double.NEGATIVE_INFINITY, sumB = 0;
        double maxC = Double.NEGATIVE_INFINITY, sumC = 0, cross = 0;
        for (int from = 0; from < vocab; from += TILE) {
            int n = Math.min(TILE, vocab - from);
            student.loadRow(row, from, n, z);
            double zMax = max(z, n);
            if (needA) {
                double tileMax = zMax * inverseT;
                if (tileMax > maxA) {
                    sumA *= Math.exp(maxA - tileMax);
                    maxA = tileMax;
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += Math.exp(z[i] * inverseT - maxA);
                }
                sumA += s;
            }
            if (needB) {
                if (zMax > maxB) {
                    sumB *= Math.exp(maxB - zMax);
                    maxB = zMax;
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += Math.exp(z[i] - maxB);
                }
                sumB += s;
            }
            if (dense) {
                teacherLogits.loadRow(row, from, n, u);
                double tileMax = max(u, n) * inverseT;
                if (tileMax > maxC) {
                    double f = Math.exp(maxC - tileMax);
                    sumC *= f;
                    cross *= f;
                    maxC = tileMax;
                }
                double s = 0, x = 0;
                for (int i = 0; i < n; i++) {
                    double c = u[i] * inverseT;
                    double w = Math.exp(c - maxC);
                    s += w;
                    x += w * (c - z[i] * inverseT);
                }
                sumC += s;
                cross += x;
            }
        }
        if (kl && sparse != null) {
            int k = sparse.k();
            for (int j = 0; j < k; j++) {
                int slot = row * k + j;
                float logProb = sparse.logProb()[slot];
                if (logProb == Float.NEGATIVE_INFINITY) {
                    continue; // probability 0: no term
                }
                double c = logProb * inverseT;
                double a = student.get(row, sparse.index()[slot]) * inverseT;
                if (c > maxC) {
                    double f = Math.exp(maxC - c);
                    sumC *= f;
                    cross *= f;
                    maxC = c;
                }
                double w = Math.exp(c - maxC);
                sumC += w;
                cross += w * (c - a);
            }
        }
        double lseA = needA ? maxA + Math.log(sumA) : 0;
        double lseB = sameAB ? lseA : needB ? maxB + Math.log(sumB) : 0;
        double lseC = kl ? maxC + Math.log(sumC) : 0;
        double klValue = kl ? temperature * temperature * (cross / sumC - lseC + lseA) : 0;
        double ceValue = ce ? lseB - student.get(row, label) : 0;
        return new RowStatistics(kl, ce, lseA, lseB, lseC, klValue, ceValue);
    }

    /** Writes row {@code row} of dL/dz into {@code gradient}, rounding each value once. */
    void gradient(int row, RowStatistics st, Logits gradient) {
        int vocab = inputs.vocab();
        int span = inputs.span(row);
        int label = inputs.label(row);
        double cK = st.kl() ? weights.klGradientCoefficient(span) : 0;
        double cC = st.ce() ? weights.ceGradientCoefficient(span) : 0;
        if (cK == 0 && cC == 0) {
            java.util.Arrays.fill(g, 0.0);
            for (int from = 0; from < vocab; from += TILE) {
                gradient.storeRow(row, from, Math.min(TILE, vocab - from), g);
            }
            return;
        }
        boolean dense = st.kl() && teacherLogits != null;
        boolean needQ = st.kl() || sameAB;
        Logits student = inputs.student();
        for (int from = 0; from < vocab; from += TILE) {
            int n = Math.min(TILE, vocab - from);
            student.loadRow(row, from, n, z);
            if (dense) {
                teacherLogits.loadRow(row, from, n, u);
            }
            for (int i = 0; i < n; i++) {
                double q = needQ ? Math.exp(z[i] * inverseT - st.lseA()) : 0;
                double p = dense ? Math.exp(u[i] * inverseT - st.lseC()) : 0;
                double s = !st.ce() ? 0 : sameAB ? q : Math.exp(z[i] - st.lseB());
                g[i] = cK * (q - p) + cC * (s - (from + i == label ? 1 : 0));
            }
            gradient.storeRow(row, from, n, g);
        }
        if (st.kl() && sparse != null) {
            // The dense sweep wrote cK q_v (+ the CE term); the k supported entries get their -p.
            int k = sparse.k();
            for (int j = 0; j < k; j++) {
                int slot = row * k + j;
                int v = sparse.index()[slot];
                float logProb = sparse.logProb()[slot];
                double p = logProb == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logProb * inverseT - st.lseC());
                double zv = student.get(row, v);
                double q = Math.exp(zv * inverseT - st.lseA());
                double s = !st.ce() ? 0 : sameAB ? q : Math.exp(zv - st.lseB());
                gradient.set(row, v, cK * (q - p) + cC * (s - (v == label ? 1 : 0)));
            }
        }
    }

    private static double max(float[] values, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, values[i]);
        }
        return m;
    }
}
