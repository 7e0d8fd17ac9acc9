package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.distillab.training.cuda.CudaDriver;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.loss.CudaSpanMaskedLoss;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.SpanCounts;
import io.distillab.training.model.CudaTransformerLm;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Precision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU training step: against the CPU engine where a CUDA GPU is present (CudaTrainingCheck,
 * the same checks the device script runs, tolerances there), and what a machine without one
 * answers. The GPU tests skip with the reason when no GPU is usable.
 */
class CudaTrainingTest {
    private static String unavailable;

    @TempDir
    Path dir;

    @BeforeAll
    static void probe() {
        try {
            CudaDriver.initialise();
        } catch (CudaUnavailableException e) {
            unavailable = e.getMessage();
        }
    }

    @Test
    void everyFamilysStepMatchesTheCpuEngine() throws Exception {
        assumeTrue(unavailable == null, () -> "no usable CUDA GPU: " + unavailable);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CudaTrainingCheck check = new CudaTrainingCheck(new PrintStream(log, true, StandardCharsets.UTF_8));
        long seed = 3;
        for (String[] family : CudaTrainingCheck.tinyFamilies()) {
            ModelConfig cfg = ModelConfig.parse(family[1], family[0]);
            for (Precision p : Precision.values()) {
                for (CudaTransformerLm.Attention a : CudaTransformerLm.Attention.values()) {
                    check.checkStep(family[0], cfg, p, a, 2, 17, "dense", 5, seed++);
                }
            }
        }
        assertEquals(0, check.failures(), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutAGpuDeviceCudaIsRefusedInOneLineAndAutoTrainsOnTheCpu() throws IOException {
        assumeFalse(unavailable == null, "a GPU is present");
        Path[] data = TinyRuns.data(dir, 4, 1);
        TrainOptions.Builder base = TrainOptions.builder().student(TinyRuns.config(dir, "s.json", TinyRuns.VOCAB))
                .tokens(data[0], data[1]).preset("sft").steps(1).batchSize(2).seed(1).threads(1);
        InvalidTrainingInputException e = assertThrows(InvalidTrainingInputException.class, () -> new Trainer()
                .run(base.out(dir.resolve("cuda")).device("cuda").build(), TrainingListener.silent(), () -> false));
        assertTrue(e.getMessage().startsWith("--device cuda: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());

        TinyRuns.Recorder r = new TinyRuns.Recorder();
        new Trainer().run(base.out(dir.resolve("auto")).device("auto").build(), r, () -> false);
        assertTrue(r.messages.stream().anyMatch(m -> m.startsWith("training on the CPU (no GPU: ")), r.messages::toString);
        assertEquals(1, r.steps.size());
    }

    @Test
    void precisionsOtherThanFp32NeedTheGpu() throws IOException {
        Path[] data = TinyRuns.data(dir, 4, 1);
        TrainOptions o = TrainOptions.builder().student(TinyRuns.config(dir, "s.json", TinyRuns.VOCAB))
                .tokens(data[0], data[1]).preset("sft").steps(1).batchSize(2).seed(1).threads(1).device("cpu")
                .precision("bf16").out(dir.resolve("run")).build();
        InvalidTrainingInputException e = assertThrows(InvalidTrainingInputException.class,
                () -> new Trainer().run(o, TrainingListener.silent(), () -> false));
        assertEquals("--precision bf16: the CPU trains in fp32; give --device cuda for tf32 or bf16", e.getMessage());
        InvalidTrainingInputException bad = assertThrows(InvalidTrainingInputException.class, () -> new Trainer().run(
                o.toBuilder().precision("fp16").build(), TrainingListener.silent(), () -> false));
        assertTrue(bad.getMessage().startsWith("--precision: unknown precision 'fp16'"), bad.getMessage());
    }

    /**
     * The kernel's coefficients: wKL/|R| * T and wCE/|A| where weighted; with every part asked for,
     * -0 (computed, adds nothing) where the weight is 0; +0 (skipped) otherwise.
     */
    @Test
    void kernelCoefficientsMarkPartsComputedForReportingWithNegativeZero() {
        LossConfig sad = LossConfig.of(Preset.SAD);
        long[] positions = {10, 4, 6, 0};
        long[] supervised = {8, 4, 5, 0};
        SpanCounts counts = new SpanCounts(positions, supervised);
        float[] every = CudaSpanMaskedLoss.coefficients(sad, counts, true, true);
        float[] weighted = CudaSpanMaskedLoss.coefficients(sad, counts, true, false);
        for (int k = 0; k < 4; k++) {
            double kl = positions[k] == 0 ? 0 : sad.klWeight(k) / positions[k] * sad.temperature();
            double ce = supervised[k] == 0 ? 0 : sad.ceWeight(k) / supervised[k];
            assertEquals((float) kl, weighted[k], 0f, "kl " + k);
            assertEquals((float) ce, weighted[4 + k], 0f, "ce " + k);
            int klBits = Float.floatToRawIntBits(every[k]);
            int ceBits = Float.floatToRawIntBits(every[4 + k]);
            assertEquals(kl != 0 ? Float.floatToRawIntBits((float) kl) : 0x80000000, klBits, "every kl " + k);
            assertEquals(ce != 0 ? Float.floatToRawIntBits((float) ce) : 0x80000000, ceBits, "every ce " + k);
            if (kl == 0) {
                assertEquals(0, Float.floatToRawIntBits(weighted[k]), "skipped kl " + k + " is +0");
            }
        }
        float[] noTeacher = CudaSpanMaskedLoss.coefficients(LossConfig.of(Preset.SFT), counts, false, true);
        for (int k = 0; k < 4; k++) {
            assertEquals(0, Float.floatToRawIntBits(noTeacher[k]), "no teacher: KL never computed, span " + k);
        }
    }

    @Test
    void checkDataPacksTwoSequencesPerRowThenPadding() {
        TrainingData d = CudaTrainingCheck.randomData(3, 20, 50, 7);
        for (int b = 0; b < 3; b++) {
            int[] pos = Arrays.copyOfRange(d.positions(), b * 20, b * 20 + 20);
            long restarts = Arrays.stream(pos).filter(p -> p == 0).count();
            assertEquals(2, restarts, "two sequences in row " + b + ": " + Arrays.toString(pos));
            assertTrue(pos[0] == 0 && pos[19] >= -1, Arrays.toString(pos));
        }
        assertTrue(Arrays.stream(d.tokens()).allMatch(t -> t == TrainingData.PADDING || (t >= 0 && t < 50)));
    }

    /** Flash by default under bf16 (tensor cores), materialized under fp32/tf32; head sizes flash has no kernels for fall back. */
    @Test
    void attentionDefaultsFollowWhatWasMeasured() {
        assertEquals(CudaTransformerLm.Attention.FLASH, CudaTraining.defaultAttention(Precision.BF16));
        assertEquals(CudaTransformerLm.Attention.MATERIALIZED, CudaTraining.defaultAttention(Precision.TF32));
        assertEquals(CudaTransformerLm.Attention.MATERIALIZED, CudaTraining.defaultAttention(Precision.FP32));
        assertEquals(CudaTransformerLm.Attention.FLASH, CudaTraining.attentionFor(CudaTransformerLm.Attention.FLASH, 128));
        assertEquals(CudaTransformerLm.Attention.MATERIALIZED,
                CudaTraining.attentionFor(CudaTransformerLm.Attention.FLASH, 256));
        assertEquals(CudaTransformerLm.Attention.MATERIALIZED,
                CudaTraining.attentionFor(CudaTransformerLm.Attention.FLASH, 12));
        assertEquals(50304, CudaTransformerLm.paddedHeadRows(50257), "GPT-2's vocabulary, as llm.c pads it");
        assertEquals(151936, CudaTransformerLm.paddedHeadRows(151936));
    }
}
