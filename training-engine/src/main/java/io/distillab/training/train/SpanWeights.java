package io.distillab.training.train;

import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.SpanType;

/**
 * Learnable span weights (SPEC section 8, uncertainty weighting): the objective is
 * {@code sum_k [exp(-s_k) (wKL[k] KL_k + wCE[k] CE_k) + s_k]} over the span types with a nonzero
 * weight, KL_k and CE_k the span means of SPEC 6. The s_k start at 0 and are a 1-D float32 tensor
 * updated by AdamW with the model, without weight decay, inside the clipping norm.
 */
final class SpanWeights {
    final float[] s = new float[SpanType.COUNT];
    final float[] grad = new float[SpanType.COUNT];
    final float[] m = new float[SpanType.COUNT];
    final float[] v = new float[SpanType.COUNT];
    private final LossConfig config;

    SpanWeights(LossConfig config) {
        this.config = config;
    }

    boolean active(int span) {
        return config.klWeight(span) != 0 || config.ceWeight(span) != 0;
    }

    /** The loss weights the logits see: each span's weights times exp(-s_k). */
    LossConfig scaled() {
        double[] kl = new double[SpanType.COUNT];
        double[] ce = new double[SpanType.COUNT];
        for (int k = 0; k < SpanType.COUNT; k++) {
            double f = Math.exp(-s[k]);
            kl[k] = config.klWeight(k) * f;
            ce[k] = config.ceWeight(k) * f;
        }
        return LossConfig.of(config.temperature(), kl, ce);
    }

    /** The objective at the batch's span means, and d objective / d s_k into {@link #grad}. */
    double objective(double[] klMean, double[] ceMean) {
        double total = 0;
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (!active(k)) {
                grad[k] = 0;
                continue;
            }
            double part = config.klWeight(k) * klMean[k] + config.ceWeight(k) * ceMean[k];
            double f = Math.exp(-s[k]);
            total += f * part + s[k];
            grad[k] = (float) (1 - f * part);
        }
        return total;
    }
}
