package io.distillab.training.loss;

/**
 * The per-span factors shared by every implementation: span counts |R_k| and |A_k|, the
 * weights of a row's KL and CE in the loss (wKL[k]/|R_k|, wCE[k]/|A_k|), the gradient
 * coefficients (the KL one carries the factor T of d(T^2 KL)/dz), and the final assembly of
 * per-row parts into the loss in double precision.
 */
final class LossWeights {
    final long[] rowsPerSpan = new long[SpanType.COUNT];
    final long[] supervisedPerSpan = new long[SpanType.COUNT];
    private final double[] klRowWeight = new double[SpanType.COUNT];
    private final double[] ceRowWeight = new double[SpanType.COUNT];
    private final LossConfig config;

    LossWeights(LossInputs inputs, LossConfig config) {
        this.config = config;
        for (int i = 0; i < inputs.rows(); i++) {
            int span = inputs.span(i);
            rowsPerSpan[span]++;
            if (inputs.label(i) != LossInputs.IGNORE_INDEX) {
                supervisedPerSpan[span]++;
            }
        }
        for (int k = 0; k < SpanType.COUNT; k++) {
            klRowWeight[k] = rowsPerSpan[k] == 0 ? 0 : config.klWeight(k) / rowsPerSpan[k];
            ceRowWeight[k] = supervisedPerSpan[k] == 0 ? 0 : config.ceWeight(k) / supervisedPerSpan[k];
        }
    }

    /** Whether row i's KL enters the loss (so it is computed). */
    boolean hasKl(int span) {
        return klRowWeight[span] != 0;
    }

    /** Whether row i's CE enters the loss. */
    boolean hasCe(int span, int label) {
        return label != LossInputs.IGNORE_INDEX && ceRowWeight[span] != 0;
    }

    /** wKL[m]/|R_m| * T: the factor of (q - p) in dL/dz. */
    double klGradientCoefficient(int span) {
        return klRowWeight[span] * config.temperature();
    }

    /** wCE[m]/|A_m|: the factor of (s - onehot(y)) in dL/dz. */
    double ceGradientCoefficient(int span) {
        return ceRowWeight[span];
    }

    boolean anyKl() {
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (hasKl(k)) {
                return true;
            }
        }
        return false;
    }

    /** Whether some span type has both a KL and a CE weight. */
    boolean anyKlAndCe() {
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (hasKl(k) && ceRowWeight[k] != 0) {
                return true;
            }
        }
        return false;
    }

    /** Sums per-row parts into the loss: per span, the mean over R_k (A_k) times the weight. */
    LossResult assemble(LossInputs inputs, double[] rowKl, double[] rowCe, Logits gradient, String device) {
        double[] klSum = new double[SpanType.COUNT];
        double[] ceSum = new double[SpanType.COUNT];
        for (int i = 0; i < inputs.rows(); i++) {
            int span = inputs.span(i);
            if (hasKl(span)) {
                klSum[span] += rowKl[i];
            }
            if (hasCe(span, inputs.label(i))) {
                ceSum[span] += rowCe[i];
            }
        }
        double kl = 0;
        double ce = 0;
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (hasKl(k)) {
                kl += config.klWeight(k) * (klSum[k] / rowsPerSpan[k]);
            }
            if (supervisedPerSpan[k] > 0 && ceRowWeight[k] != 0) {
                ce += config.ceWeight(k) * (ceSum[k] / supervisedPerSpan[k]);
            }
        }
        return new LossResult(kl + ce, kl, ce, rowsPerSpan.clone(), supervisedPerSpan.clone(), rowKl, rowCe,
                device, gradient);
    }
}
