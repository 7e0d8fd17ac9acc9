package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.Logits.Precision;
import org.junit.jupiter.api.Test;

/** The GPU check must fail on what it exists to catch: unwritten (NaN) and wrong elements. */
class LossComparisonTest {
    private static LossResult withGradient(LossResult r, Logits g) {
        return new LossResult(r.loss(), r.kl(), r.ce(), r.tokens(), r.supervised(), r.rowKl(), r.rowCe(), "test", g);
    }

    private static Logits copy(Logits g) {
        Logits c = Logits.allocate(g.precision(), g.rows(), g.vocab());
        float[] row = new float[g.vocab()];
        for (int i = 0; i < g.rows(); i++) {
            g.loadRow(i, 0, g.vocab(), row);
            for (int v = 0; v < g.vocab(); v++) {
                c.set(i, v, row[v]);
            }
        }
        return c;
    }

    @Test
    void passesItselfAndFailsOnNanAndOnSmallErrors() {
        LossInputs in = RandomLossInputs.dense(12, 300, Precision.FLOAT32).generate(3, 2);
        LossConfig config = LossConfig.of(Preset.KD);
        LossResult ref = new CpuSpanMaskedLoss(2).compute(in, config, true);
        assertTrue(LossComparison.compare(in, config, ref, ref, 1e-5, 2).passed());

        Logits poisoned = copy(ref.gradient());
        int row = 0;
        while (in.span(row) > 1) {
            row++;
        }
        poisoned.set(row, 17, Float.NaN);
        LossComparison.Report nan = LossComparison.compare(in, config, ref, withGradient(ref, poisoned), 1e-5, 2);
        assertFalse(nan.passed());
        assertEquals(1, nan.nonFinite());

        Logits off = copy(ref.gradient());
        off.set(row, 5, off.get(row, 5) * (1 + 1e-3));
        assertFalse(LossComparison.compare(in, config, ref, withGradient(ref, off), 1e-5, 2).passed());

        LossResult wrongLoss = new LossResult(ref.loss() * (1 + 2e-5), ref.kl(), ref.ce(), ref.tokens(),
                ref.supervised(), ref.rowKl(), ref.rowCe(), "test", ref.gradient());
        assertFalse(LossComparison.compare(in, config, ref, wrongLoss, 1e-5, 2).passed());
    }

    @Test
    void allowsOneBfloat16UlpBetweenRoundings() {
        LossInputs in = RandomLossInputs.dense(6, 200, Precision.BFLOAT16).generate(4, 1);
        LossConfig config = LossConfig.of(Preset.SAD);
        LossResult ref = new CpuSpanMaskedLoss(1).compute(in, config, true);
        Logits shifted = copy(ref.gradient());
        short[] bits = shifted.array().shorts(0);
        int i = 0;
        while (bits[i] == 0) {
            i++;
        }
        bits[i] += 1; // the neighbouring bfloat16 value
        assertTrue(LossComparison.compare(in, config, ref, withGradient(ref, shifted), 1e-5, 1).passed());
        bits[i] += 2;
        assertFalse(LossComparison.compare(in, config, ref, withGradient(ref, shifted), 1e-5, 1).passed());
    }
}
