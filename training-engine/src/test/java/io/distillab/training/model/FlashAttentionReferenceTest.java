package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CPU reference of {@link FlashAttentionCheck} (what the GPU kernels are judged by) against
 * an independent dense computation (the full masked T x T score matrix, softmax, product with v)
 * and its backward against central finite differences of sum(dy * y). No GPU needed.
 */
class FlashAttentionReferenceTest {
    /** Two sequences and one padding row per batch row: rows 0..2, 3..5, padding at 6. */
    private static final int[] STARTS = {0, 0, 0, 3, 3, 3, -1, 0, 0, 2, 2, 2, 2, -1};

    @Test
    void forwardMatchesTheDenseMaskedSoftmax() {
        int B = 2;
        int NH = 3;
        int T = 7;
        int HS = 8;
        FlashAttentionCheck.Inputs in = FlashAttentionCheck.Inputs.random(B, NH, T, HS, false, 5);
        double scale = 1 / Math.sqrt(HS);
        double[] y = new double[B * NH * T * HS];
        double[] lse = new double[B * NH * T];
        FlashAttentionCheck.forwardReference(in.q(), in.k(), in.v(), STARTS, B, NH, T, HS, scale, y, lse);
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < NH; h++) {
                int head = (b * NH + h) * T;
                for (int t = 0; t < T; t++) {
                    // Dense row: every key scored, the invisible ones masked to -infinity.
                    double[] s = new double[T];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < T; j++) {
                        double dot = 0;
                        for (int d = 0; d < HS; d++) {
                            dot += in.q()[(head + t) * HS + d] * in.k()[(head + j) * HS + d];
                        }
                        boolean masked = STARTS[b * T + t] < 0 || j < STARTS[b * T + t] || j > t;
                        s[j] = masked ? Double.NEGATIVE_INFINITY : dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {  // padding row: zeros
                        assertEquals(0.0, lse[head + t]);
                        for (int d = 0; d < HS; d++) {
                            assertEquals(0.0, y[(head + t) * HS + d]);
                        }
                        continue;
                    }
                    double z = 0;
                    for (int j = 0; j < T; j++) {
                        z += Math.exp(s[j] - max);
                    }
                    assertEquals(max + Math.log(z), lse[head + t], 1e-12);
                    for (int d = 0; d < HS; d++) {
                        double expected = 0;
                        for (int j = 0; j < T; j++) {
                            expected += Math.exp(s[j] - max) / z * in.v()[(head + j) * HS + d];
                        }
                        assertEquals(expected, y[(head + t) * HS + d], 1e-12, "b=" + b + " h=" + h + " t=" + t);
                    }
                }
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesOfTheForward() {
        int B = 2;
        int NH = 2;
        int T = 7;
        int HS = 8;
        FlashAttentionCheck.Inputs in = FlashAttentionCheck.Inputs.random(B, NH, T, HS, false, 9);
        double scale = 1 / Math.sqrt(HS);
        int n = B * NH * T * HS;
        double[] dq = new double[n];
        double[] dk = new double[n];
        double[] dv = new double[n];
        FlashAttentionCheck.backwardReference(in.q(), in.k(), in.v(), in.dy(), STARTS, B, NH, T, HS, scale, dq, dk, dv);
        double[][] inputs = {in.q(), in.k(), in.v()};
        double[][] grads = {dq, dk, dv};
        String[] names = {"dq", "dk", "dv"};
        double h = 1e-6;
        // Central differences in double: truncation ~h^2, rounding ~1e-16/h, so 1e-7 absolute holds.
        for (int which = 0; which < 3; which++) {
            double[] x = inputs[which];
            for (int i = 0; i < n; i++) {
                double saved = x[i];
                x[i] = saved + h;
                double up = objective(in, STARTS, B, NH, T, HS, scale);
                x[i] = saved - h;
                double down = objective(in, STARTS, B, NH, T, HS, scale);
                x[i] = saved;
                assertEquals((up - down) / (2 * h), grads[which][i], 1e-7, names[which] + "[" + i + "]");
            }
        }
        // The padding rows (t = 6) neither get nor give gradient.
        for (int bh = 0; bh < B * NH; bh++) {
            for (int d = 0; d < HS; d++) {
                int at = (bh * T + 6) * HS + d;
                assertEquals(0.0, dq[at]);
                assertEquals(0.0, dk[at]);
                assertEquals(0.0, dv[at]);
            }
        }
    }

    /** sum(dy * y): its gradient with respect to q, k, v is what the backward computes. */
    private static double objective(FlashAttentionCheck.Inputs in, int[] starts, int B, int NH, int T, int HS,
            double scale) {
        double[] y = new double[B * NH * T * HS];
        double[] lse = new double[B * NH * T];
        FlashAttentionCheck.forwardReference(in.q(), in.k(), in.v(), starts, B, NH, T, HS, scale, y, lse);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += in.dy()[i] * y[i];
        }
        return sum;
    }

    @Test
    void packedStartsHoldTwoOrThreeSequencesThenPadding() {
        SplittableRandom random = new SplittableRandom(3);
        for (int T : new int[] {1, 2, 37, 64, 1024}) {
            int[] starts = FlashAttentionCheck.packedStarts(random, 4, T);
            for (int b = 0; b < 4; b++) {
                int sequences = 0;
                int padding = 0;
                for (int t = 0; t < T; t++) {
                    int s = starts[b * T + t];
                    if (s < 0) {
                        padding++;
                        continue;
                    }
                    assertEquals(0, padding, "padding only at the end");
                    assertTrue(s <= t && (t == 0 || s == t || s == starts[b * T + t - 1]), "T=" + T + " t=" + t);
                    if (s == t) {
                        sequences++;
                    }
                }
                assertTrue(T < 8 ? padding == 0 : padding >= 1 && padding <= T / 8, "padding " + padding);
                assertTrue(sequences >= Math.min(2, T - padding) && sequences <= 3, "T=" + T + " sequences " + sequences);
            }
        }
    }

    @Test
    void relativeErrorIsNanWhenTheGpuLeftANan() {
        assertTrue(Double.isNaN(FlashAttentionCheck.relativeError(new float[] {1f, Float.NaN}, new double[] {1, 2})));
        assertFalse(FlashAttentionCheck.relativeError(new float[] {1f, Float.NaN}, new double[] {1, 2}) <= 1);
        assertEquals(0.2, FlashAttentionCheck.relativeError(new float[] {3f, 5f}, new double[] {3, 4}), 1e-12);
    }

    @Test
    void shapesOutsideTheKernelsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FlashAttention.checkShape(1, 1, 16, 12));
        assertThrows(IllegalArgumentException.class, () -> FlashAttention.checkShape(1, 1, 16, 136));
        assertThrows(IllegalArgumentException.class, () -> FlashAttention.checkShape(0, 1, 16, 64));
        FlashAttention.checkShape(1, 1, 1, 8);
        // HS 128 fits Hopper's 227 KB per block (the .cu header states the same sizes).
        assertEquals(118_784, FlashAttention.forwardSharedBytes(128));
        assertEquals(169_984, FlashAttention.dkdvSharedBytes(128));
        assertEquals(152_576, FlashAttention.dqSharedBytes(128));
        assertEquals(4 * 12 * 16, FlashAttention.tileBlocks(4, 12, 1024));
        assertEquals(3 * 2, FlashAttention.tileBlocks(2, 1, 129));
        assertEquals(69_632, FlashAttention.tensorCoreSharedBytes(4, 128));
    }

    @Test
    void tensorCoresOnlyForBf16AtHeadSizes64And128WithTheSm90Ptx() {
        assertTrue(FlashAttention.tensorCoresFit(90, Precision.BF16, 64));
        assertTrue(FlashAttention.tensorCoresFit(100, Precision.BF16, 128));
        assertFalse(FlashAttention.tensorCoresFit(80, Precision.BF16, 64));  // loads the portable PTX
        assertFalse(FlashAttention.tensorCoresFit(75, Precision.BF16, 64));
        assertFalse(FlashAttention.tensorCoresFit(90, Precision.FP32, 64));
        assertFalse(FlashAttention.tensorCoresFit(90, Precision.TF32, 128));
        assertFalse(FlashAttention.tensorCoresFit(90, Precision.BF16, 32));
        assertFalse(FlashAttention.tensorCoresFit(90, Precision.BF16, 96));
    }
}
