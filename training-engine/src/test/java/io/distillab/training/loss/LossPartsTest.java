package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.training.loss.Logits.Precision;
import io.distillab.training.npy.NpyArray;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A batch's loss computed in parts normalised by the batch's span counts (gradient accumulation). */
class LossPartsTest {
    private static final CpuSpanMaskedLoss LOSS = new CpuSpanMaskedLoss(2);

    /** Rows from..to-1 of the inputs as inputs of their own. */
    private static LossInputs slice(LossInputs in, int from, int to) {
        int v = in.vocab();
        float[] z = new float[(to - from) * v];
        float[] u = new float[(to - from) * v];
        Logits teacher = ((Teacher.Dense) in.teacher()).logits();
        for (int r = from; r < to; r++) {
            for (int c = 0; c < v; c++) {
                z[(r - from) * v + c] = in.student().get(r, c);
                u[(r - from) * v + c] = teacher.get(r, c);
            }
        }
        return LossInputs.of(Logits.of(NpyArray.of(z, to - from, v)), new Teacher.Dense(Logits.of(NpyArray.of(u, to - from, v))),
                Arrays.copyOfRange(in.labels(), from, to), Arrays.copyOfRange(in.spans(), from, to));
    }

    @Test
    void partsWithTheBatchCountsAddUpToTheBatchLossAndGradient() {
        LossInputs batch = RandomLossInputs.dense(23, 37, Precision.FLOAT32).generate(5, 1);
        SpanCounts counts = SpanCounts.of(batch);
        for (LossConfig config : new LossConfig[] {LossConfig.of(Preset.SAD), LossConfig.of(Preset.KD),
                LossConfig.of(0.7, new double[] {0.3, 1.2, 0.5, 2}, new double[] {1, 0.25, 0, 0.8})}) {
            LossResult whole = LOSS.compute(batch, config, true);
            LossResult first = LOSS.computePart(slice(batch, 0, 10), config, counts, true);
            LossResult second = LOSS.computePart(slice(batch, 10, 23), config, counts, true);
            // the same double terms summed in another grouping: a few ulps of the loss
            assertEquals(whole.loss(), first.loss() + second.loss(), 1e-13 * Math.abs(whole.loss()), config.toString());
            assertEquals(whole.kl(), first.kl() + second.kl(), 1e-13 * Math.max(1, whole.kl()), config.toString());
            assertEquals(whole.ce(), first.ce() + second.ce(), 1e-13 * Math.max(1, whole.ce()), config.toString());
            // each gradient row is the same computation with the same coefficients: bit-identical
            for (int r = 0; r < 23; r++) {
                LossResult part = r < 10 ? first : second;
                int row = r < 10 ? r : r - 10;
                for (int c = 0; c < 37; c++) {
                    assertEquals(whole.gradient().get(r, c), part.gradient().get(row, c), 0.0, "grad[" + r + "," + c + "]");
                }
            }
        }
    }

    @Test
    void everyPartIsComputedWhateverItsWeightAndWeightlessRowsGetNoGradient() {
        LossInputs batch = RandomLossInputs.dense(17, 29, Precision.FLOAT32).generate(9, 1);
        LossConfig sad = LossConfig.of(Preset.SAD);
        LossConfig all = LossConfig.of(1, new double[] {1, 1, 1, 1}, new double[] {1, 1, 1, 1});
        LossResult part = LOSS.computePart(batch, sad, SpanCounts.of(batch), true);
        LossResult every = LOSS.compute(batch, all, false);
        for (int r = 0; r < 17; r++) {
            assertEquals(every.rowKl()[r], part.rowKl()[r], 0.0, "KL of row " + r);
            assertEquals(every.rowCe()[r], part.rowCe()[r], 0.0, "CE of row " + r);
            int span = batch.span(r);
            boolean weighted = span == SpanType.REASON.code()
                    || span == SpanType.ACTION.code() && batch.label(r) != LossInputs.IGNORE_INDEX;
            if (!weighted) {
                for (int c = 0; c < 29; c++) {
                    assertEquals(0f, part.gradient().get(r, c), "grad[" + r + "," + c + "] of an unweighted row");
                }
            }
        }
        assertEquals(LOSS.compute(batch, sad, false).loss(), part.loss(), 1e-14 * part.loss());
    }

    @Test
    void withoutATeacherOnlyCeIsAllowed() {
        LossInputs batch = RandomLossInputs.dense(6, 11, Precision.FLOAT32).generate(3, 1);
        LossInputs noTeacher = LossInputs.of(batch.student(), new Teacher.None(), batch.labels(), batch.spans());
        LossResult sft = LOSS.computePart(noTeacher, LossConfig.of(Preset.SFT), SpanCounts.of(noTeacher), true);
        assertEquals(LOSS.compute(batch, LossConfig.of(Preset.SFT), false).loss(), sft.loss(), 0.0);
        assertEquals(0.0, Arrays.stream(sft.rowKl()).map(Math::abs).sum(), "no KL without a teacher");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LOSS.compute(noTeacher, LossConfig.of(Preset.SAD), false));
        assertEquals("the KL weight of reason is 1.0 but there is no teacher", e.getMessage());
    }

    @Test
    void batchCountsBelowThePartsOwnAreRefused() {
        LossInputs batch = RandomLossInputs.dense(6, 11, Precision.FLOAT32).generate(4, 1);
        SpanCounts none = new SpanCounts(new long[4], new long[4]);
        assertThrows(IllegalArgumentException.class, () -> LOSS.computePart(batch, LossConfig.of(Preset.SAD), none, false));
    }
}
