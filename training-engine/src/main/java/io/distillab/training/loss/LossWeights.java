package io.distillab.training.loss;

/**
 * The per-span factors shared by every implementation: span counts |R_k| and |A_k|, the
 * weights of a row's KL and CE in the loss (wKL[k]/|R_k|, wCE[k]/|A_k|), the gradient
 * coefficients (the KL one carries the factor T of d(T^2 KL)/dz), and the final assembly of
 * per-row parts into the loss in double precision.
 *
 * <p>The counts are the inputs' own, or those of a larger batch the inputs are a part of. With
 * {@code everyPart}, KL (when there is a teacher) and CE (when there is a label) are computed
 * for every row, also where their weight is 0, so that per-span means can be reported; rows
 * whose weights are 0 still get a zero gradient and add nothing to the loss.
 */
final class LossWeights {
    final long[] rowsPerSpan = new long[SpanType.COUNT];
    final long[] supervisedPerSpan = new long[SpanType.COUNT];
    private final double[] klRowWeight = new double[SpanType.COUNT];
    private final double[] ceRowWeight = new double[SpanType.COUNT];
    private final LossConfig config;
    private final boolean everyKl;
    private final boolean everyCe;

    LossWeights(LossInputs inputs, LossConfig config) {
        this(inputs, config, SpanCounts.of(inputs), false);
    }

    /**
     * @throws IllegalArgumentException when a KL weight is set and there is no teacher, or when
     *                                  the inputs hold more positions of a span than {@code counts}
     */
    LossWeights(LossInputs inputs, LossConfig config, SpanCounts counts, boolean everyPart) {
        this(config, counts, !(inputs.teacher() instanceof Teacher.None), everyPart);
        boolean teacher = !(inputs.teacher() instanceof Teacher.None);
        SpanCounts own = SpanCounts.of(inputs);
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (own.positionsOf(k) > rowsPerSpan[k] || own.supervisedOf(k) > supervisedPerSpan[k]) {
                throw new IllegalArgumentException("the batch counts of " + SpanType.values()[k].key()
                        + " (" + rowsPerSpan[k] + " positions, " + supervisedPerSpan[k]
                        + " with labels) are fewer than this part's (" + own.positionsOf(k) + ", "
                        + own.supervisedOf(k) + ")");
            }
            if (!teacher && config.klWeight(k) != 0 && own.positionsOf(k) > 0) {
                throw new IllegalArgumentException("the KL weight of " + SpanType.values()[k].key()
                        + " is " + config.klWeight(k) + " but there is no teacher");
            }
        }
    }

    /** The weights of a batch with these counts, for rows not at hand (the GPU's chunks). */
    LossWeights(LossConfig config, SpanCounts counts, boolean teacher, boolean everyPart) {
        this.config = config;
        this.everyKl = everyPart && teacher;
        this.everyCe = everyPart;
        for (int k = 0; k < SpanType.COUNT; k++) {
            rowsPerSpan[k] = counts.positionsOf(k);
            supervisedPerSpan[k] = counts.supervisedOf(k);
            klRowWeight[k] = rowsPerSpan[k] == 0 ? 0 : config.klWeight(k) / rowsPerSpan[k];
            ceRowWeight[k] = supervisedPerSpan[k] == 0 ? 0 : config.ceWeight(k) / supervisedPerSpan[k];
        }
    }

    /**
     * span_masked_loss.cu's coef[8]: the KL gradient coefficients of the four span types, then the
     * CE ones. A part with weight 0 that is still computed (everyPart) gets -0: the kernel computes
     * a part whose coefficient is not +0, and its gradient term -0 * x adds nothing.
     */
    float[] kernelCoefficients() {
        float[] coef = new float[2 * SpanType.COUNT];
        for (int k = 0; k < SpanType.COUNT; k++) {
            coef[k] = hasKl(k) ? (float) klGradientCoefficient(k) : everyKl ? -0f : 0f;
            coef[SpanType.COUNT + k] = ceRowWeight[k] != 0 ? (float) ceGradientCoefficient(k) : everyCe ? -0f : 0f;
        }
        return coef;
    }

    /** Whether row i's KL enters the loss. */
    boolean hasKl(int span) {
        return klRowWeight[span] != 0;
    }

    /** Whether row i's CE enters the loss. */
    boolean hasCe(int span, int label) {
        return label != LossInputs.IGNORE_INDEX && ceRowWeight[span] != 0;
    }

    /** Whether row i's KL is computed: it enters the loss, or every part is asked for. */
    boolean computesKl(int span) {
        return everyKl || hasKl(span);
    }

    /** Whether row i's CE is computed. */
    boolean computesCe(int span, int label) {
        return label != LossInputs.IGNORE_INDEX && (everyCe || ceRowWeight[span] != 0);
    }

    /** wKL[m]/|R_m| * T: the factor of (q - p) in dL/dz. */
    double klGradientCoefficient(int span) {
        return klRowWeight[span] * config.temperature();
    }

    /** wCE[m]/|A_m| (0 when the span's CE has no weight): the factor of (s - onehot(y)) in dL/dz. */
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
