package io.distillab.trainer.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One training step's metrics: a line of the training's {@code metrics.jsonl}
 * ({@code {"step", "loss", "kl", "ce", "lr", "grad_norm", "tokens", "tokens_per_s", "spans":
 * {"reason": {"kl", "ce"}, "action": ..., "observation": ..., "other": ...}}}). The service keeps
 * the line as the engine wrote it and reads the few numbers it indexes, charts and meters from it,
 * so a field the engine adds later travels to clients unchanged.
 */
public record StepRecord(long step, double loss, double kl, double ce, double lr, double gradNorm, long tokens,
                         double tokensPerS, String json) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The span types in the engine's order (SpanType codes 0..3). */
    public static final String[] SPANS = java.util.Arrays.stream(io.distillab.training.loss.SpanType.values())
            .map(io.distillab.training.loss.SpanType::key).toArray(String[]::new);

    public static StepRecord parse(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a metrics line: " + e.getMessage(), e);
        }
        if (n == null || !n.hasNonNull("step") || !n.hasNonNull("loss")) {
            throw new IllegalArgumentException("not a metrics line (no step and loss): " + line);
        }
        return new StepRecord(n.get("step").asLong(), n.get("loss").asDouble(), n.path("kl").asDouble(),
                n.path("ce").asDouble(), n.path("lr").asDouble(), n.path("grad_norm").asDouble(),
                n.path("tokens").asLong(), n.path("tokens_per_s").asDouble(), n.toString());
    }
}
