package io.distillab.training.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.loss.SpanType;

/**
 * An evaluation of the held-out rows ({@code --eval-fraction}): SPEC 6's loss over all their loss
 * positions at once, as one batch (the span means are over every held-out position of the span),
 * with the parameters after {@code step} steps; no gradient, no update. A line of {@code eval.jsonl}.
 *
 * @param step   the steps trained before it (0: the starting weights)
 * @param loss   kl + ce (with learnable span weights: the uncertainty-weighted objective at the current s_k)
 * @param kl     sum_k wKL[k] * mean KL over the held-out R_k
 * @param ce     sum_k wCE[k] * mean CE over the held-out A_k
 * @param rows   held-out rows
 * @param tokens their non-padding tokens
 * @param spanKl unweighted mean KL per span type (0 without a teacher or positions)
 * @param spanCe unweighted mean CE per span type (0 without labelled positions)
 */
public record EvalMetrics(long step, double loss, double kl, double ce, int rows, long tokens, double[] spanKl,
                          double[] spanCe) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public EvalMetrics {
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

    /** The eval.jsonl line (no newline). */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"step\": ").append(step)
                .append(", \"loss\": ").append(StepMetrics.number(loss))
                .append(", \"kl\": ").append(StepMetrics.number(kl))
                .append(", \"ce\": ").append(StepMetrics.number(ce))
                .append(", \"rows\": ").append(rows)
                .append(", \"tokens\": ").append(tokens)
                .append(", \"spans\": ");
        return StepMetrics.spans(sb, spanKl, spanCe).append('}').toString();
    }

    /** An eval.jsonl line back into its record; null for a line that is not one (a torn last line). */
    public static EvalMetrics parse(String line) {
        try {
            JsonNode o = JSON.readTree(line);
            double[] kl = new double[SpanType.COUNT];
            double[] ce = new double[SpanType.COUNT];
            for (SpanType k : SpanType.values()) {
                kl[k.code()] = number(o.get("spans").get(k.key()).get("kl"));
                ce[k.code()] = number(o.get("spans").get(k.key()).get("ce"));
            }
            return new EvalMetrics(o.get("step").asLong(), number(o.get("loss")), number(o.get("kl")),
                    number(o.get("ce")), o.get("rows").asInt(), o.get("tokens").asLong(), kl, ce);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static double number(JsonNode n) {
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }
}
