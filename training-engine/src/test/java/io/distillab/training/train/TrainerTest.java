package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.SpanType;
import io.distillab.training.safetensors.SafeTensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final int REASON = SpanType.REASON.code();

    @TempDir
    Path dir;

    private TrainOptions.Builder base(Path out) throws IOException {
        Path[] data = TinyRuns.data(dir, 8, 1);
        return TrainOptions.builder().student(TinyRuns.config(dir, "student.json", TinyRuns.VOCAB))
                .tokens(data[0], data[1]).out(out).seed(3).threads(1).device("cpu");
    }

    private static TinyRuns.Recorder run(TrainOptions o) {
        TinyRuns.Recorder r = new TinyRuns.Recorder();
        new Trainer().run(o, r, () -> false);
        return r;
    }

    @Test
    void aTinyStudentOverfitsOneBatch() throws IOException {
        TinyRuns.Recorder r = run(base(dir.resolve("run")).preset("sft").batchSize(2).order("file")
                .steps(60).lr(1e-2).warmup(1).build());
        // one batch (data rows 0 and 1, wrapping every 4 steps... so: a single-row batch set)
        double first = r.steps.get(0).loss();
        double last = r.steps.get(59).loss();
        assertTrue(first > 3, "a random student starts near ln(40) = 3.7: " + first);
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        assertTrue(Files.isRegularFile(dir.resolve("run/final/model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("run/loss.svg")));
        assertEquals(60, Files.readAllLines(dir.resolve("run/metrics.jsonl")).size());
    }

    @Test
    void distillingFromAFixedTeacherLowersTheReasonKl() throws IOException {
        // a teacher with opinions: a student of another seed fitted to the data first
        run(base(dir.resolve("teacher")).student(TinyRuns.config(dir, "teacher.json", TinyRuns.VOCAB)).seed(11)
                .preset("sft").batchSize(8).steps(30).lr(1e-2).warmup(1).build());
        Path teacher = dir.resolve("teacher/final");
        // KL on reasoning only, nothing else
        TinyRuns.Recorder r = run(base(dir.resolve("run")).teacher(teacher).preset("sad")
                .weights(new double[] {1, 0, 0, 0}, new double[] {0, 0, 0, 0}).batchSize(8)
                .steps(30).lr(1e-2).warmup(1).build());
        double first = r.steps.get(0).spanKl()[REASON];
        double last = r.steps.get(29).spanKl()[REASON];
        assertTrue(first > 0.5, "the teacher is far from the random student: " + first);
        assertTrue(last < 0.5 * first, "reason KL " + first + " -> " + last);
        assertEquals(r.steps.get(29).loss(), last, 1e-12, "the loss is the reason KL");
        // observation positions are reported (unweighted) though they have no weight
        assertTrue(r.steps.get(0).spanKl()[SpanType.OBSERVATION.code()] > 0);
    }

    @Test
    void gradientAccumulationOfTwoMicroBatchesEqualsOneBatch() throws IOException {
        TrainOptions.Builder b = base(dir.resolve("k1")).preset("sft").batchSize(4).steps(4).lr(1e-2).warmup(1);
        List<StepMetrics> one = run(b.build()).steps;
        List<StepMetrics> two = run(b.out(dir.resolve("k2")).gradAccum(2).build()).steps;
        for (int i = 0; i < 4; i++) {
            // the same sums; only the model's float32 matrix products see other row blocks, and
            // the updates then carry those rounding differences: 1e-5 relative
            assertEquals(one.get(i).loss(), two.get(i).loss(), 1e-5 * one.get(i).loss(), "loss of step " + (i + 1));
            assertEquals(one.get(i).gradNorm(), two.get(i).gradNorm(), 1e-4 * one.get(i).gradNorm(),
                    "grad norm of step " + (i + 1));
            assertEquals(one.get(i).tokens(), two.get(i).tokens());
        }
    }

    @Test
    void resumingAfterACrashRepeatsTheLossesBitForBit() throws IOException {
        Path teacher = TinyRuns.checkpoint(dir, "teacher", TinyRuns.VOCAB, 77);
        assertResumesBitForBit(dir, base(dir.resolve("whole")).teacher(teacher).preset("kd").batchSize(4).gradAccum(2)
                .steps(7).checkpointEvery(3).learnSpanWeights(true), "whole", "crashed");
    }

    @Test
    void resumingALoraRunRepeatsTheLossesBitForBit() throws IOException {
        Path student = TinyRuns.checkpoint(dir, "student", TinyRuns.VOCAB, 5);
        assertResumesBitForBit(dir, base(dir.resolve("lora")).student(student).preset("sft").lora(true).loraRank(2)
                .batchSize(4).steps(7).checkpointEvery(3).lr(1e-2), "lora", "lora-crashed");
    }

    /**
     * A run that dies after step 5 (its metrics line written, checkpoint-3 the latest), resumed:
     * its metrics.jsonl (and eval.jsonl, when it holds rows out) equal the uninterrupted run's.
     * Returns the dying run's and the resumed run's recorders.
     */
    static TinyRuns.Recorder[] assertResumesBitForBit(Path dir, TrainOptions.Builder b, String whole, String crashed)
            throws IOException {
        run(b.out(dir.resolve(whole)).build());
        TrainOptions crashing = b.out(dir.resolve(crashed)).build();
        TinyRuns.Recorder dying = new TinyRuns.Recorder() {
            @Override
            public void onStep(StepMetrics m) {
                if (m.step() == 5) {
                    throw new IllegalStateException("killed");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> new Trainer().run(crashing, dying, () -> false));
        assertEquals(5, Files.readAllLines(dir.resolve(crashed + "/metrics.jsonl")).size());
        TinyRuns.Recorder resumed = run(crashing.toBuilder().resume(true).build());
        assertEquals(List.of(6L, 7L), resumed.checkpoints, "checkpoint-6, then final/ at step 7");
        assertEquals(4, resumed.steps.size(), "steps 4 to 7 again");
        assertTrue(resumed.messages.stream().anyMatch(m -> m.contains("from checkpoint-3")), resumed.messages.toString());
        assertEquals(losses(dir.resolve(whole)), losses(dir.resolve(crashed)));
        Path eval = dir.resolve(whole).resolve("eval.jsonl");
        if (Files.exists(eval)) {
            assertEquals(Files.readAllLines(eval), Files.readAllLines(dir.resolve(crashed).resolve("eval.jsonl")));
        }
        return new TinyRuns.Recorder[] {dying, resumed};
    }

    /** Each metrics line without its timing (tokens_per_s). */
    static List<String> losses(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll("\"tokens_per_s\": [^,]*, ", "")).toList();
    }

    @Test
    void loraTrainsAdaptersAndLeavesTheBaseWeightsBitIdentical() throws IOException {
        Path student = TinyRuns.checkpoint(dir, "student", TinyRuns.VOCAB, 5);
        run(base(dir.resolve("run")).student(student).preset("sft").lora(true).loraRank(4).merge(true)
                .batchSize(4).steps(3).lr(1e-2).warmup(1).build());
        Path adapter = dir.resolve("run/final/adapter_model.safetensors");
        assertTrue(Files.isRegularFile(dir.resolve("run/final/adapter_config.json")));
        try (SafeTensorsReader original = SafeTensorsReader.open(student.resolve("model.safetensors"));
             SafeTensorsReader merged = SafeTensorsReader.open(dir.resolve("run/final/merged/model.safetensors"));
             SafeTensorsReader lora = SafeTensorsReader.open(adapter)) {
            String q = "model.layers.0.self_attn.q_proj";
            float[] a = lora.readFloats("base_model.model." + q + ".lora_A.weight");
            float[] bw = lora.readFloats("base_model.model." + q + ".lora_B.weight");
            assertTrue(java.util.stream.IntStream.range(0, bw.length).anyMatch(i -> bw[i] != 0), "B moved from zero");
            int rank = 4;
            int in = 16;
            int outDim = bw.length / rank;
            float[] w0 = original.readFloats(q + ".weight");
            float[] w1 = merged.readFloats(q + ".weight");
            for (int o = 0; o < outDim; o++) {
                for (int i = 0; i < in; i++) {
                    double ba = 0;
                    for (int r = 0; r < rank; r++) {
                        ba += (double) bw[o * rank + r] * a[r * in + i];
                    }
                    // merged = base + (alpha/r) B A: the base it was merged into is the original
                    assertEquals(w0[o * in + i] + 32.0 / rank * ba, w1[o * in + i], 1e-6, "q_proj[" + o + "," + i + "]");
                }
            }
            for (String name : original.names()) {
                if (!name.contains("_proj")) {
                    assertEquals(java.util.Arrays.toString(original.readFloats(name)),
                            java.util.Arrays.toString(merged.readFloats(name)), name + " is not a LoRA target");
                }
            }
        }
    }

    @Test
    void cancellingCheckpointsTheLastStepAndStops() throws IOException {
        TinyRuns.Recorder r = new TinyRuns.Recorder();
        TrainingResult result = new Trainer().run(base(dir.resolve("run")).preset("sft").batchSize(2).steps(10).build(),
                r, () -> r.steps.size() >= 2);
        assertTrue(result.cancelled());
        assertEquals(2, result.lastStep());
        assertTrue(Files.isDirectory(dir.resolve("run/checkpoint-2")));
        assertFalse(Files.exists(dir.resolve("run/final")));
        assertNotEquals(Double.NaN, result.lastLoss());
    }
}
