package io.distillab.training.train;

import io.distillab.training.loss.SpanType;

/**
 * What one step reports (issue 9, SPEC section 8).
 *
 * @param step           from 1
 * @param loss           the batch's loss at the parameters that gave this step's gradient (with
 *                       learnable span weights: the uncertainty-weighted objective)
 * @param kl             sum_k wKL[k] * mean KL over R_k (SPEC 6)
 * @param ce             sum_k wCE[k] * mean CE over A_k
 * @param lr             the learning rate of this step's update
 * @param gradNorm       the global gradient norm before clipping
 * @param tokens         non-padding tokens of the batch
 * @param tokensPerSecond tokens over the step's wall time
 * @param spanKl         unweighted mean KL over R_k per span type (0 without a teacher or positions)
 * @param spanCe         unweighted mean CE over A_k per span type (0 without labelled positions)
 */
public record StepMetrics(long step, double loss, double kl, double ce, double lr, double gradNorm, long tokens,
                          double tokensPerSecond, double[] spanKl, double[] spanCe) {
    public StepMetrics {
        spanKl = spanKl.clone();
        spanCe = spanCe.clone();
    }

    @Override
    public double[] spanKl() {
        return spanKl.clone();
    }

    @Override
    public double[] spanCe() {
        return spanCe.clone();
    }

    /** The metrics.jsonl line (no newline). */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"step\": ").append(step)
                .append(", \"loss\": ").append(number(loss))
                .append(", \"kl\": ").append(number(kl))
                .append(", \"ce\": ").append(number(ce))
                .append(", \"lr\": ").append(number(lr))
                .append(", \"grad_norm\": ").append(number(gradNorm))
                .append(", \"tokens\": ").append(tokens)
                .append(", \"tokens_per_s\": ").append(number(tokensPerSecond))
                .append(", \"spans\": ");
        return spans(sb, spanKl, spanCe).append('}').toString();
    }

    /** {@code {"reason": {"kl": .., "ce": ..}, "action": ..., ...}}, the per-span object of a metrics line. */
    static StringBuilder spans(StringBuilder sb, double[] spanKl, double[] spanCe) {
        sb.append('{');
        for (SpanType k : SpanType.values()) {
            sb.append(k.code() == 0 ? "" : ", ").append('"').append(k.key()).append("\": {\"kl\": ")
                    .append(number(spanKl[k.code()])).append(", \"ce\": ").append(number(spanCe[k.code()])).append('}');
        }
        return sb.append('}');
    }

    /** JSON has no NaN or infinity: they are written as null. */
    static String number(double x) {
        return Double.isFinite(x) ? Double.toString(x) : "null";
    }
}
