package io.distillab.training.loss;

/**
 * The loss and its parts (SPEC.md section 6): {@code loss = kl + ce}, with
 * {@code kl = sum_k wKL[k] * mean_{R_k} KL} and {@code ce = sum_k wCE[k] * mean_{A_k} CE}.
 *
 * @param tokens     |R_k|: positions of each span type (index: {@link SpanType#code()})
 * @param supervised |A_k|: positions of each span type whose label is not -100
 * @param rowKl      KL_i per position (0 where the position's span has wKL = 0)
 * @param rowCe      CE_i per position (0 where y_i = -100 or the span has wCE = 0)
 * @param device     "cpu" or "cuda"
 * @param gradient   dL/dz in the student's precision, or null when not asked for
 */
public record LossResult(double loss, double kl, double ce, long[] tokens, long[] supervised, double[] rowKl,
                         double[] rowCe, String device, Logits gradient) {
}
