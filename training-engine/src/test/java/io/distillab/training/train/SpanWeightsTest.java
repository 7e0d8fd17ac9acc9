package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.Preset;
import org.junit.jupiter.api.Test;

/** Uncertainty weighting (SPEC 8) against values worked out by hand. */
class SpanWeightsTest {
    @Test
    void objectiveAndGradientOfTheActiveSpanTypes() {
        SpanWeights w = new SpanWeights(LossConfig.of(Preset.SAD)); // KL on reason, CE on action
        w.s[0] = 0.5f;
        w.s[1] = -0.25f;
        double[] kl = {2.0, 9, 9, 9};
        double[] ce = {9, 3.0, 9, 9};
        // exp(-0.5) * 2 + 0.5 + exp(0.25) * 3 - 0.25
        double expected = Math.exp(-0.5) * 2 + 0.5 + Math.exp(0.25) * 3 - 0.25;
        assertEquals(expected, w.objective(kl, ce), 1e-7);
        assertEquals(1 - Math.exp(-0.5) * 2, w.grad[0], 1e-7);
        assertEquals(1 - Math.exp(0.25) * 3, w.grad[1], 1e-6);
        assertEquals(0f, w.grad[2], "observation has no weight: not a term");
        assertEquals(0f, w.grad[3]);
        LossConfig scaled = w.scaled();
        assertEquals(Math.exp(-0.5), scaled.klWeight(0), 1e-7);
        assertEquals(Math.exp(0.25), scaled.ceWeight(1), 1e-6);
        assertEquals(0.0, scaled.ceWeight(0));
    }
}
