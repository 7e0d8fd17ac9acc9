package io.distillab.training.model;

import java.util.List;

/**
 * LoRA adapters (SPEC 8): every target linear map W becomes {@code W + (alpha/rank)·B·A}.
 *
 * @param rank r, the inner size of A (r x in) and B (out x r)
 * @param alpha the scale numerator; the update is scaled by alpha / rank
 * @param targetModules module names as PEFT writes them in {@code target_modules} (e.g.
 *     {@code q_proj}, {@code c_attn}); empty means every attention and MLP projection of the family
 * @param baseModelNameOrPath written into adapter_config.json's {@code base_model_name_or_path}
 *     (may be null)
 */
public record LoraConfig(int rank, double alpha, List<String> targetModules, String baseModelNameOrPath) {
    public static final int DEFAULT_RANK = 16;
    public static final double DEFAULT_ALPHA = 32;

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        }
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
    }

    /** r = 16, alpha = 32, every attention and MLP projection. */
    public static LoraConfig defaults() {
        return new LoraConfig(DEFAULT_RANK, DEFAULT_ALPHA, List.of(), null);
    }

    public float scale() {
        return (float) (alpha / rank);
    }
}
