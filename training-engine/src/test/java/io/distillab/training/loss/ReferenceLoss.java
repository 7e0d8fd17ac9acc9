package io.distillab.training.loss;

/**
 * SPEC.md section 6 written out as plainly as possible, in double precision: whole-row arrays,
 * two-pass log-sum-exp, KL as sum p (log p - log q), means per span. No streaming, no threads.
 * The production implementations are compared against this.
 */
final class ReferenceLoss {
    final double loss;
    final double kl;
    final double ce;
    final double[][] gradient;

    ReferenceLoss(LossInputs in, LossConfig config) {
        int n = in.rows();
        int v = in.vocab();
        double t = config.temperature();
        long[] r = new long[4];
        long[] a = new long[4];
        for (int i = 0; i < n; i++) {
            r[in.span(i)]++;
            if (in.label(i) != -100) {
                a[in.span(i)]++;
            }
        }
        double[] klSum = new double[4];
        double[] ceSum = new double[4];
        gradient = new double[n][v];
        for (int i = 0; i < n; i++) {
            double[] z = new double[v];
            for (int c = 0; c < v; c++) {
                z[c] = in.student().get(i, c);
            }
            double[] logq = logSoftmax(scale(z, 1 / t));
            double[] logs = logSoftmax(z);
            double[] p = teacherProbabilities(in, i, t);
            double klI = 0;
            for (int c = 0; c < v; c++) {
                if (p[c] > 0) {
                    klI += p[c] * (Math.log(p[c]) - logq[c]);
                }
            }
            klI *= t * t;
            int m = in.span(i);
            int y = in.label(i);
            klSum[m] += klI;
            if (y != -100) {
                ceSum[m] += -logs[y];
            }
            for (int c = 0; c < v; c++) {
                double g = config.klWeight(m) / r[m] * t * (Math.exp(logq[c]) - p[c]);
                if (y != -100) {
                    g += config.ceWeight(m) / a[m] * (Math.exp(logs[c]) - (c == y ? 1 : 0));
                }
                gradient[i][c] = g;
            }
        }
        double klTotal = 0;
        double ceTotal = 0;
        for (int k = 0; k < 4; k++) {
            klTotal += r[k] == 0 ? 0 : config.klWeight(k) * klSum[k] / r[k];
            ceTotal += a[k] == 0 ? 0 : config.ceWeight(k) * ceSum[k] / a[k];
        }
        kl = klTotal;
        ce = ceTotal;
        loss = kl + ce;
    }

    private static double[] teacherProbabilities(LossInputs in, int i, double t) {
        int v = in.vocab();
        if (in.teacher() instanceof Teacher.Dense d) {
            double[] u = new double[v];
            for (int c = 0; c < v; c++) {
                u[c] = d.logits().get(i, c) / t;
            }
            double[] logp = logSoftmax(u);
            for (int c = 0; c < v; c++) {
                logp[c] = Math.exp(logp[c]);
            }
            return logp;
        }
        Teacher.Sparse s = (Teacher.Sparse) in.teacher();
        double[] x = new double[s.k()];
        for (int j = 0; j < s.k(); j++) {
            x[j] = s.logProb()[i * s.k() + j] / t;
        }
        double[] logp = logSoftmax(x);
        double[] p = new double[v];
        for (int j = 0; j < s.k(); j++) {
            p[s.index()[i * s.k() + j]] = Math.exp(logp[j]);
        }
        return p;
    }

    static double[] scale(double[] x, double f) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * f;
        }
        return out;
    }

    static double[] logSoftmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double e : x) {
            max = Math.max(max, e);
        }
        double sum = 0;
        for (double e : x) {
            sum += Math.exp(e - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - lse;
        }
        return out;
    }
}
