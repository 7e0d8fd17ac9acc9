package io.distillab.training.generate;

import io.distillab.training.train.SplitMix64;
import java.util.Arrays;

/**
 * Picks the next token from one position's logits. Temperature 0 is greedy (the largest logit; the
 * lowest id among equal ones). Otherwise the logits are divided by the temperature, only the
 * {@code topK} largest are kept (0: all), then the smallest set of the most probable tokens whose
 * probability reaches {@code topP} (1: all), and a token is drawn from what is left, renormalised.
 * Draws come from a SplitMix64 stream of the seed, so a seed gives the same text every time.
 */
public final class Sampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplitMix64 random;

    /**
     * @throws IllegalArgumentException for a negative or non-finite temperature, a negative top-k,
     *                                  or a top-p outside (0, 1]
     */
    public Sampler(double temperature, int topK, double topP, long seed) {
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0: no limit), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplitMix64(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0, 0, 1, 0);
    }

    /** The next token from {@code logits[offset, offset + vocab)}. */
    public int next(float[] logits, int offset, int vocab) {
        if (temperature == 0 || topK == 1) {
            int best = 0;
            for (int v = 1; v < vocab; v++) {
                if (logits[offset + v] > logits[offset + best]) {
                    best = v;
                }
            }
            return best;
        }
        if (topK == 0 && topP >= 1) {
            // every token a candidate: no order needed, one pass for the maximum, one to draw
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[offset + v] / temperature);
            }
            double[] p = new double[vocab];
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                p[v] = Math.exp(logits[offset + v] / temperature - max);
                sum += p[v];
            }
            double u = random.nextDouble() * sum;
            for (int v = 0; v < vocab; v++) {
                u -= p[v];
                if (u < 0) {
                    return v;
                }
            }
            return vocab - 1; // u landed on the rounding of the last one
        }
        // candidates by logit, largest first (ties by id): each a long, the logit's order in its
        // high half and the id in its low half, sorted as primitives (no boxing of 150k ids)
        long[] keys = new long[vocab];
        for (int v = 0; v < vocab; v++) {
            int bits = Float.floatToIntBits(-logits[offset + v]);
            keys[v] = (long) (bits ^ ((bits >> 31) & 0x7fffffff)) << 32 | v;
        }
        Arrays.sort(keys);
        int[] order = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = (int) keys[i];
        }
        int n = topK == 0 ? vocab : Math.min(topK, vocab);
        double max = logits[offset + order[0]] / temperature;
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[offset + order[i]] / temperature - max);
            sum += p[i];
        }
        // nucleus: the shortest prefix whose probability reaches top-p
        int kept = n;
        if (topP < 1) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += p[i] / sum;
                if (cumulative >= topP) {
                    kept = i + 1;
                    break;
                }
            }
        }
        double keptSum = 0;
        for (int i = 0; i < kept; i++) {
            keptSum += p[i];
        }
        double u = random.nextDouble() * keptSum;
        for (int i = 0; i < kept; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1]; // u landed on the rounding of the last one
    }
}
