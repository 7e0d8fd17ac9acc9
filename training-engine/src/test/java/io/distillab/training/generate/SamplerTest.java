package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.0f, 2.0f - 1e-3f, -3.0f};

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOfEqualOnes() {
        assertEquals(1, Sampler.greedy().next(LOGITS, 0, LOGITS.length));
        assertEquals(1, Sampler.greedy().next(new float[] {9, 9, 0, 7, 7, 1}, 2, 4), "offset 2: logits 0, 7, 7, 1");
        assertEquals(1, new Sampler(5, 1, 1, 3).next(LOGITS, 0, LOGITS.length), "top-k 1 is greedy at any temperature");
        assertEquals(0, Sampler.greedy().next(LOGITS, 0, 1), "only the first vocab entries are candidates");
    }

    /** Draw frequencies against the softmax written out here, within 4.5 standard errors. */
    @Test
    void drawsFollowTheTemperedSoftmaxOfTheKeptTokens() {
        assertFrequencies(new Sampler(1, 0, 1, 1), 1, LOGITS.length, 1);
        assertFrequencies(new Sampler(0.5, 0, 1, 2), 0.5, LOGITS.length, 1);
        assertFrequencies(new Sampler(2, 3, 1, 3), 2, 3, 1); // top-3: tokens 1, 4, 3
        // top-p 0.8 at temperature 1: the probabilities sorted are 0.378, 0.377, 0.139, 0.084, ...
        // (cumulative 0.755 after two, 0.894 after three): the nucleus holds 3 tokens
        assertFrequencies(new Sampler(1, 0, 0.8, 4), 1, 3, 0.8);
    }

    private static void assertFrequencies(Sampler s, double temperature, int kept, double topP) {
        Integer[] order = {1, 4, 3, 0, 2, 5}; // LOGITS sorted, largest first
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            p[order[i]] = Math.exp(LOGITS[order[i]] / temperature);
            sum += p[order[i]];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        int n = 60_000;
        int[] count = new int[LOGITS.length];
        for (int i = 0; i < n; i++) {
            count[s.next(LOGITS, 0, LOGITS.length)]++;
        }
        for (int v = 0; v < LOGITS.length; v++) {
            double se = Math.sqrt(p[v] * (1 - p[v]) / n);
            assertEquals(p[v], count[v] / (double) n, 4.5 * se + 1e-12,
                    "token " + v + " at temperature " + temperature + ", top-p " + topP);
        }
    }

    @Test
    void aSeedGivesTheSameDraws() {
        Sampler a = new Sampler(1, 0, 1, 42);
        Sampler b = new Sampler(1, 0, 1, 42);
        Sampler c = new Sampler(1, 0, 1, 43);
        StringBuilder x = new StringBuilder();
        StringBuilder y = new StringBuilder();
        StringBuilder z = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            x.append(a.next(LOGITS, 0, LOGITS.length));
            y.append(b.next(LOGITS, 0, LOGITS.length));
            z.append(c.next(LOGITS, 0, LOGITS.length));
        }
        assertEquals(x.toString(), y.toString());
        assertTrue(!x.toString().equals(z.toString()));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Double.NaN, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1.5, 0));
    }
}
