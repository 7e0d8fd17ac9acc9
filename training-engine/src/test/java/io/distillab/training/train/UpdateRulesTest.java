package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW, clipping and the schedule against values worked out by hand from SPEC section 8. */
class UpdateRulesTest {
    @Test
    void adamWTwoStepsMatchTheFormulaWorkedInDouble() {
        // p = 1, g = 0.5 then -0.25, lr 0.1, λ 0.1, β (0.9, 0.95), ε 1e-8, in exact arithmetic:
        // t=1: p = 0.99 - 0.1 * 0.5 / (sqrt(0.0125/0.05) + 1e-8) = 0.890000002
        // t=2: p = 0.8811 - 0.1 * (0.02/0.19) / (sqrt(0.015/0.0975) + 1e-8) = 0.8542630578558273
        float[] p = {1f, 1f};
        float[] g = {0.5f, 0.5f};
        float[] m = new float[2];
        float[] v = new float[2];
        AdamW.Slot decayed = new AdamW.Slot("w", p, g, m, v, 0.1);
        float[] bias = {1f};
        AdamW.Slot plain = new AdamW.Slot("b", bias, new float[] {0.5f}, new float[1], new float[1], 0.0);
        AdamW adam = new AdamW();
        adam.step(1, 0.1, List.of(decayed, plain), 2);
        // float32 arithmetic: within a few float ulps (1e-7 relative) of the exact value
        assertEquals(0.890000002, p[0], 2e-7);
        assertEquals(p[0], p[1], 0.0, "every element alike");
        // no decay: 1 - 0.1 * 0.5 / (0.5 + 1e-8)
        assertEquals(1 - 0.1 * 0.5 / (0.5 + 1e-8), bias[0], 2e-7);
        g[0] = g[1] = -0.25f;
        adam.step(2, 0.1, List.of(decayed), 1);
        assertEquals(0.8542630578558273, p[0], 2e-7);
        assertEquals(0.02, m[0], 1e-8);
        assertEquals(0.015, v[0], 1e-8);
    }

    @Test
    void theThreadCountChangesNoBit() {
        int n = 200_000;
        float[][] runs = new float[2][];
        for (int run = 0; run < 2; run++) {
            float[] p = new float[n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = (float) Math.sin(i);
                g[i] = (float) Math.cos(3 * i);
            }
            new AdamW().step(1, 3e-4, List.of(new AdamW.Slot("w", p, g, new float[n], new float[n], 0.1)), run == 0 ? 1 : 3);
            runs[run] = p;
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    @Test
    void clippingScalesByClipOverNormPlusEpsilonOnlyAboveTheLimit() {
        float[] a = {3f};
        float[] b = {4f};
        assertEquals(5.0, GradientClipping.clip(List.of(a, b), 1.0, 1), 0.0);
        assertEquals(3 / (5 + 1e-6), a[0], 1e-7);
        assertEquals(4 / (5 + 1e-6), b[0], 1e-7);
        float[] c = {0.3f, 0.4f};
        assertEquals(0.5, GradientClipping.clip(List.of(c), 1.0, 1), 1e-7);
        assertArrayEquals(new float[] {0.3f, 0.4f}, c, "below the limit nothing changes");
    }

    @Test
    void theNormDoesNotDependOnTheThreadCount() {
        float[] big = new float[3 * GradientClipping.CHUNK + 17];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) Math.sin(0.37 * i);
        }
        float[] small = {1e-3f, -2e-3f};
        List<float[]> grads = List.of(small, big);
        double one = GradientClipping.norm(grads, 1);
        assertEquals(one, GradientClipping.norm(grads, 3), 0.0);
        double exact = 0;
        for (float x : big) {
            exact += (double) x * x;
        }
        exact += 1e-6 + 4e-6;
        // float inputs, double sums: the order of the sum moves only the last bits
        assertEquals(Math.sqrt(exact), one, 1e-12 * one);
    }

    @Test
    void warmUpThenCosineToATenth() {
        LrSchedule s = new LrSchedule(3e-4, 2, 20);
        assertEquals(1.5e-4, s.at(0), 1e-18);
        assertEquals(3e-4, s.at(1), 1e-18);
        assertEquals(3e-4, s.at(2), 1e-18, "cosine starts at the peak");
        // lr_min + (1 + cos(pi * 9/18)) / 2 * (lr - lr_min) = 3e-5 + 0.5 * 2.7e-4
        assertEquals(1.65e-4, s.at(11), 1e-15);
        // 3e-5 + (1 + cos(17 pi / 18)) / 2 * 2.7e-4
        assertEquals(3.2050953343351913e-05, s.at(19), 1e-17);
        assertEquals(2, LrSchedule.defaultWarmup(20));
        assertEquals(1, LrSchedule.defaultWarmup(5));
        assertEquals(100, LrSchedule.defaultWarmup(5000));
    }
}
