package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.Logits.Precision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuSpanMaskedLossTest {
    private static final double TIGHT = 1e-12;

    private static List<LossConfig> configs() {
        List<LossConfig> out = new ArrayList<>();
        for (Preset p : Preset.values()) {
            out.add(LossConfig.of(p));
        }
        out.add(LossConfig.of(0.7, new double[] {0.3, 1.2, 0.5, 2}, new double[] {1, 0.25, 0, 0.8}));
        out.add(LossConfig.resolve(Preset.KD, 0.9, 3.5, null, null));
        return out;
    }

    private static void assertMatchesReference(LossInputs in, LossConfig config, int threads) {
        ReferenceLoss ref = new ReferenceLoss(in, config);
        LossResult got = new CpuSpanMaskedLoss(threads).compute(in, config, true);
        String what = config + " " + in.student().describe();
        assertEquals(ref.kl, got.kl(), TIGHT * Math.max(1, Math.abs(ref.kl)), what);
        assertEquals(ref.ce, got.ce(), TIGHT * Math.max(1, Math.abs(ref.ce)), what);
        assertEquals(ref.loss, got.loss(), TIGHT * Math.max(1, Math.abs(ref.loss)), what);
        double precision = in.student().precision() == Precision.FLOAT32 ? 0x1p-24 : 0x1p-8;
        for (int i = 0; i < in.rows(); i++) {
            for (int c = 0; c < in.vocab(); c++) {
                double expected = ref.gradient[i][c];
                // one rounding of the exact value, plus the error of the double computation
                double tolerance = Math.abs(expected) * precision + 1e-15;
                assertEquals(expected, got.gradient().get(i, c), tolerance, what + " grad[" + i + "," + c + "]");
            }
        }
    }

    @Test
    void matchesTheDoublePrecisionReferenceForEveryPresetAndTeacher() {
        int seed = 1;
        for (Precision precision : Precision.values()) {
            // vocabularies below, at and across the tile size, rows of every span type
            for (int vocab : new int[] {1, 7, CpuRowKernel.TILE, CpuRowKernel.TILE * 2 + 3}) {
                for (LossConfig config : configs()) {
                    assertMatchesReference(RandomLossInputs.dense(9, vocab, precision).generate(seed++, 2), config, 2);
                    if (vocab >= 5) {
                        assertMatchesReference(RandomLossInputs.sparse(9, vocab, precision, 5).generate(seed++, 2),
                                config, 2);
                    }
                }
            }
        }
    }

    @Test
    void matchesTheReferenceAtAFullQwenVocabulary() {
        LossInputs in = RandomLossInputs.dense(3, 151936, Precision.FLOAT32)
                .withSpanTypes(SpanType.REASON, SpanType.ACTION).generate(11, 2);
        assertMatchesReference(in, LossConfig.of(Preset.KD), 2);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        LossInputs in = RandomLossInputs.dense(13, 3001, Precision.BFLOAT16).generate(5, 2);
        LossConfig config = LossConfig.of(Preset.KD);
        LossResult one = new CpuSpanMaskedLoss(1).compute(in, config, true);
        LossResult three = new CpuSpanMaskedLoss(3).compute(in, config, true);
        assertEquals(one.loss(), three.loss(), 0.0);
        assertArrayEquals(one.rowKl(), three.rowKl());
        assertArrayEquals(one.gradient().array().shorts(0), three.gradient().array().shorts(0));
    }

    /** Central differences of the engine's own double-precision loss against its gradient. */
    @Test
    void gradientMatchesFiniteDifferences() {
        double h = 0x1p-12; // exact in float for these magnitudes, so z +- h is what the engine sees
        int seed = 100;
        for (LossConfig config : configs()) {
            for (boolean sparse : new boolean[] {false, true}) {
                RandomLossInputs spec = sparse ? RandomLossInputs.sparse(6, 9, Precision.FLOAT32, 4)
                        : RandomLossInputs.dense(6, 9, Precision.FLOAT32);
                LossInputs in = spec.generate(seed++, 1);
                CpuSpanMaskedLoss engine = new CpuSpanMaskedLoss(1);
                Logits gradient = engine.compute(in, config, true).gradient();
                Logits z = in.student();
                for (int i = 0; i < in.rows(); i++) {
                    for (int c = 0; c < in.vocab(); c++) {
                        float original = z.get(i, c);
                        z.set(i, c, original + h);
                        double plus = engine.compute(in, config, false).loss();
                        z.set(i, c, original - h);
                        double minus = engine.compute(in, config, false).loss();
                        z.set(i, c, original);
                        double numeric = (plus - minus) / (2 * h);
                        assertEquals(numeric, gradient.get(i, c), 1e-6 + 1e-6 * Math.abs(numeric),
                                config + (sparse ? " sparse" : " dense") + " grad[" + i + "," + c + "]");
                    }
                }
            }
        }
    }

    @Test
    void knownValues() {
        // Uniform student: CE = log V; teacher equal to the student: KL = 0 and no KL gradient.
        int vocab = 1000;
        Logits z = Logits.allocate(Precision.FLOAT32, 2, vocab);
        Logits u = Logits.allocate(Precision.FLOAT32, 2, vocab);
        for (int c = 0; c < vocab; c++) {
            z.set(1, c, 0.25 * Math.sin(c));
            u.set(1, c, 0.25 * Math.sin(c));
        }
        LossInputs in = LossInputs.of(z, new Teacher.Dense(u), new int[] {3, -100},
                new byte[] {(byte) SpanType.ACTION.code(), (byte) SpanType.REASON.code()});
        LossResult r = new CpuSpanMaskedLoss(1).compute(in, LossConfig.of(Preset.SAD), true);
        assertEquals(Math.log(vocab), r.ce(), 1e-12);
        assertEquals(0, r.kl(), 1e-15);
        assertArrayEquals(new long[] {1, 1, 0, 0}, r.tokens());
        assertArrayEquals(new long[] {0, 1, 0, 0}, r.supervised());
        assertEquals(1.0 / vocab - 1, r.gradient().get(0, 3), 1e-7);
        assertEquals(1.0 / vocab, r.gradient().get(0, 4), 1e-9);
        for (int c = 0; c < vocab; c++) {
            assertEquals(0, r.gradient().get(1, c), 1e-9);
        }
    }

    @Test
    void masksObservationsAndIgnoredLabels() {
        LossInputs in = RandomLossInputs.dense(40, 50, Precision.FLOAT32).generate(3, 1);
        LossResult r = new CpuSpanMaskedLoss(2).compute(in, LossConfig.of(Preset.SAD), true);
        for (int i = 0; i < in.rows(); i++) {
            boolean trained = in.span(i) == SpanType.REASON.code()
                    || (in.span(i) == SpanType.ACTION.code() && in.label(i) != -100);
            for (int c = 0; c < in.vocab(); c++) {
                assertEquals(trained, r.gradient().get(i, c) != 0, "row " + i);
            }
        }
    }

    @Test
    void emptySpansContributeNothingAndNoGradientMeansNone() {
        LossInputs in = RandomLossInputs.dense(5, 20, Precision.FLOAT32).withSpanTypes(SpanType.OBSERVATION)
                .generate(9, 1);
        LossResult r = new CpuSpanMaskedLoss(1).compute(in, LossConfig.of(Preset.KD), false);
        assertEquals(0, r.loss(), 0.0);
        assertNull(r.gradient());
        assertTrue(r.tokens()[SpanType.OBSERVATION.code()] == 5);
    }
}
