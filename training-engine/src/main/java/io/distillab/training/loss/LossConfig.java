package io.distillab.training.loss;

import java.util.Arrays;

/** Temperature and per-span weight tables of the loss; immutable and validated. */
public final class LossConfig {
    private final double temperature;
    private final double[] klWeights;
    private final double[] ceWeights;

    private LossConfig(double temperature, double[] klWeights, double[] ceWeights) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
        }
        this.temperature = temperature;
        this.klWeights = checkTable("wKL", klWeights);
        this.ceWeights = checkTable("wCE", ceWeights);
    }

    private static double[] checkTable(String name, double[] table) {
        if (table.length != SpanType.COUNT) {
            throw new IllegalArgumentException(name + " needs " + SpanType.COUNT
                    + " weights (reason, action, observation, other), got " + table.length);
        }
        for (int k = 0; k < table.length; k++) {
            if (!Double.isFinite(table[k]) || table[k] < 0) {
                throw new IllegalArgumentException(name + "[" + SpanType.values()[k].key()
                        + "] must be a finite number >= 0, got " + table[k]);
            }
        }
        return table.clone();
    }

    public static LossConfig of(double temperature, double[] klWeights, double[] ceWeights) {
        return new LossConfig(temperature, klWeights, ceWeights);
    }

    public static LossConfig of(Preset preset) {
        return resolve(preset, null, null, null, null);
    }

    /**
     * A preset with explicit overrides (null: keep the preset's). alpha is KD's mixing weight
     * and applies to the KD preset only; an explicit weight table replaces the preset's.
     */
    public static LossConfig resolve(Preset preset, Double alpha, Double temperature, double[] klWeights,
                                     double[] ceWeights) {
        if (alpha != null) {
            if (preset != Preset.KD) {
                throw new IllegalArgumentException("alpha applies to the kd preset only (preset is "
                        + preset.name().toLowerCase(java.util.Locale.ROOT) + ")");
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
        }
        double a = alpha != null ? alpha : Preset.KD_DEFAULT_ALPHA;
        return new LossConfig(temperature != null ? temperature : preset.defaultTemperature(),
                klWeights != null ? klWeights : preset.klWeights(a),
                ceWeights != null ? ceWeights : preset.ceWeights(a));
    }

    public double temperature() {
        return temperature;
    }

    public double klWeight(int span) {
        return klWeights[span];
    }

    public double ceWeight(int span) {
        return ceWeights[span];
    }

    @Override
    public String toString() {
        return "T=" + temperature + " wKL=" + Arrays.toString(klWeights) + " wCE=" + Arrays.toString(ceWeights);
    }
}
