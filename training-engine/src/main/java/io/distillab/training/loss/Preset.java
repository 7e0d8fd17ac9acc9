package io.distillab.training.loss;

/**
 * Named weight tables (SPEC.md section 6). Weights are indexed by {@link SpanType}:
 * REASON, ACTION, OBSERVATION, OTHER.
 */
public enum Preset {
    /** Seed 002: KL on reasoning, CE on actions, observations masked; T = 1. */
    SAD,
    /** Seed 001: alpha * KL + (1 - alpha) * CE on reasoning and actions; T = 2, alpha = 0.5. */
    KD,
    /** Supervised fine-tuning: CE on reasoning and actions, no teacher term. */
    SFT;

    public static final double KD_DEFAULT_ALPHA = 0.5;

    public double defaultTemperature() {
        return this == KD ? 2.0 : 1.0;
    }

    public double[] klWeights(double alpha) {
        return switch (this) {
            case SAD -> new double[] {1, 0, 0, 0};
            case KD -> new double[] {alpha, alpha, 0, 0};
            case SFT -> new double[] {0, 0, 0, 0};
        };
    }

    public double[] ceWeights(double alpha) {
        return switch (this) {
            case SAD -> new double[] {0, 1, 0, 0};
            case KD -> new double[] {1 - alpha, 1 - alpha, 0, 0};
            case SFT -> new double[] {1, 1, 0, 0};
        };
    }

    /** Parses sad, kd or sft (any case). */
    public static Preset parse(String text) {
        for (Preset p : values()) {
            if (p.name().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + text + "' (expected sad, kd or sft)");
    }
}
