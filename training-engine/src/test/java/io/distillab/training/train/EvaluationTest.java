package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.SpanType;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out evaluation ({@code --eval-fraction}, {@code --eval-every}). */
class EvaluationTest {
    private static final int REASON = SpanType.REASON.code();
    private static final int ACTION = SpanType.ACTION.code();

    @TempDir
    Path dir;

    private Path[] data;

    private TrainOptions.Builder base(Path out) throws IOException {
        data = TinyRuns.data(dir, 8, 1);
        return TrainOptions.builder().student(TinyRuns.config(dir, "student.json", TinyRuns.VOCAB))
                .tokens(data[0], data[1]).out(out).seed(3).threads(1).device("cpu");
    }

    @Test
    void theHeldOutLossIsTheCrossEntropyOfTheHeldOutRowsBeforeTheFirstStepAndAfterTheLast() throws IOException {
        Path out = dir.resolve("run");
        TinyRuns.Recorder r = new TinyRuns.Recorder();
        new Trainer().run(base(out).preset("sft").batchSize(3).steps(6).lr(1e-2).warmup(1)
                .evaluation(0.25, 4).build(), r, () -> false);
        assertEquals(List.of(0L, 4L, 6L), r.evals.stream().map(EvalMetrics::step).toList(),
                "before the first step, every 4 steps and after the last");
        assertEquals(3, Files.readAllLines(out.resolve("eval.jsonl")).size());

        TrainingData rows = TrainingData.fromTokenFiles(data[0], data[1]);
        int[] held = HeldOutRows.split(8, 2, 3).eval();
        ModelConfig config = ModelConfig.read(dir.resolve("student.json"));
        // step 0: the random student the run created from the config and its seed
        assertCrossEntropy(HfCheckpoints.create(config, 3, 1), rows, held, r.evals.get(0));
        // after the last step: the weights the run saved
        assertCrossEntropy(HfCheckpoints.load(out.resolve("final"), 1), rows, held, r.evals.get(2));
        assertTrue(r.evals.get(2).loss() < r.evals.get(0).loss(), "6 steps at lr 1e-2 lower the held-out loss too");
        assertEquals(held.length, r.evals.get(0).rows());
        assertEquals(rows.tokenCount(held), r.evals.get(0).tokens());
    }

    /**
     * The expected held-out numbers computed here, one row at a time: at each position whose next
     * token is REASON or ACTION, -log softmax(logits)[next token] in double; the unweighted mean per
     * span, and SFT's loss, their sum (wCE = 1 on reason and action).
     */
    private static void assertCrossEntropy(CausalLm model, TrainingData rows, int[] held, EvalMetrics e) {
        int T = rows.length();
        int V = model.config().vocabSize();
        double[] sum = new double[SpanType.COUNT];
        long[] count = new long[SpanType.COUNT];
        for (int r : held) {
            int[] tokens = new int[T];
            int[] positions = new int[T];
            for (int t = 0; t < T; t++) {
                int token = rows.tokens()[r * T + t];
                tokens[t] = Math.max(token, 0);
                positions[t] = token < 0 ? -1 : t;
            }
            float[] logits = model.forward(tokens, positions, 1, T, false);
            for (int t = 0; t + 1 < T; t++) {
                int next = rows.tokens()[r * T + t + 1];
                int span = rows.spans()[r * T + t + 1];
                if (next < 0 || (span != REASON && span != ACTION)) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    max = Math.max(max, logits[t * V + v]);
                }
                double z = 0;
                for (int v = 0; v < V; v++) {
                    z += Math.exp(logits[t * V + v] - max);
                }
                sum[span] += max + Math.log(z) - logits[t * V + next];
                count[span]++;
            }
        }
        double reason = sum[REASON] / count[REASON];
        double action = sum[ACTION] / count[ACTION];
        // float32 logits from a batch of one row here, of three (one of padding) in the run: 1e-5 relative
        assertEquals(reason, e.spanCe()[REASON], 1e-5 * reason, "reason CE at step " + e.step());
        assertEquals(action, e.spanCe()[ACTION], 1e-5 * action, "action CE at step " + e.step());
        assertEquals(reason + action, e.loss(), 1e-5 * (reason + action), "loss at step " + e.step());
        assertEquals(0, e.kl());
    }

    @Test
    void aResumedRunRepeatsTheEvaluationsBitForBit() throws IOException {
        Path teacher = TinyRuns.checkpoint(dir, "teacher", TinyRuns.VOCAB, 77);
        TinyRuns.Recorder[] dyingAndResumed = TrainerTest.assertResumesBitForBit(dir, base(dir.resolve("whole"))
                .teacher(teacher).preset("kd").batchSize(2).steps(7).checkpointEvery(3).evaluation(0.25, 2).lr(1e-2),
                "whole", "crashed");
        assertEquals(List.of(0L, 2L, 4L), dyingAndResumed[0].evals.stream().map(EvalMetrics::step).toList());
        assertEquals(List.of(4L, 6L, 7L), dyingAndResumed[1].evals.stream().map(EvalMetrics::step).toList(),
                "from checkpoint-3: the evaluation of step 4 again, then 6 and the last");
    }

    @Test
    void aResumeThatHoldsOutOtherRowsIsRefusedAndOneWithTheSameCountGoesOn() throws IOException {
        TrainOptions.Builder b = base(dir.resolve("run")).preset("sft").batchSize(2).steps(3).checkpointEvery(2)
                .evaluation(0.25, null);
        new Trainer().run(b.build(), new TinyRuns.Recorder(), () -> false);
        InvalidTrainingInputException e = assertThrows(InvalidTrainingInputException.class, () -> new Trainer().run(
                b.evaluation(0.5, null).resume(true).build(), new TinyRuns.Recorder(), () -> false));
        assertTrue(e.getMessage().contains("was trained with 2 held-out rows (--eval-rows 2)"), e.getMessage());
        // the same rows held out by count resume it
        new Trainer().run(b.evaluation(null, null).evalRows(2).steps(3).resume(true).build(), new TinyRuns.Recorder(),
                () -> false);
    }

    @Test
    void keepBestHoldsTheWeightsOfTheLowestHeldOutLoss() throws IOException {
        Path out = dir.resolve("run");
        TinyRuns.Recorder r = new TinyRuns.Recorder();
        // 30 steps on 6 rows of random tokens over-fit them: the held-out loss falls, then rises again
        new Trainer().run(base(out).preset("sft").batchSize(2).steps(30).lr(1e-2).warmup(1).evaluation(0.25, 3)
                .keepBest(true).build(), r, () -> false);
        EvalMetrics best = r.evals.stream().min(java.util.Comparator.comparingDouble(EvalMetrics::loss)).orElseThrow();
        EvalMetrics kept = EvalMetrics.parse(Files.readString(out.resolve("best/eval.json")).strip());
        assertEquals(best.step(), kept.step(), r.evals.stream().map(e -> e.step() + ":" + e.loss()).toList().toString());
        assertEquals(best.loss(), kept.loss(), 0.0);
        assertTrue(best.step() > 0 && best.step() < 30, "this run's best is neither its start nor its end: "
                + r.evals.stream().map(e -> e.step() + ":" + e.loss()).toList());
        // the folder holds those weights: their held-out cross-entropy, recomputed here
        assertCrossEntropy(HfCheckpoints.load(out.resolve("best"), 1), TrainingData.fromTokenFiles(data[0], data[1]),
                HeldOutRows.split(8, 2, 3).eval(), best);
        long improvements = java.util.stream.IntStream.range(0, r.evals.size())
                .filter(i -> r.evals.subList(0, i).stream().allMatch(e -> e.loss() > r.evals.get(i).loss())).count();
        assertEquals(improvements, r.messages.stream().filter(m -> m.startsWith("best/ now holds")).count(),
                "one write (and one line) per improvement");
        assertTrue(r.checkpoints.stream().noneMatch(s -> s % 3 == 0 && s < 30), "best/ is not a checkpoint: "
                + r.checkpoints);
    }

    @Test
    void badEvaluationOptionsAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path out = dir.resolve("bad");
        for (TrainOptions.Builder b : List.of(
                base(out).preset("sft").batchSize(2).steps(2).evaluation(1.0, null),
                base(out).preset("sft").batchSize(2).steps(2).evaluation(-0.5, null),
                base(out).preset("sft").batchSize(2).steps(2).evaluation(null, 5),
                base(out).preset("sft").batchSize(2).steps(2).evaluation(0.1, 0),
                base(out).preset("sft").batchSize(2).steps(2).evaluation(0.99, null),
                base(out).preset("sft").batchSize(2).steps(2).keepBest(true),
                base(out).preset("sft").batchSize(2).steps(2).evalRows(8),
                base(out).preset("sft").batchSize(2).steps(2).evalRows(0),
                base(out).preset("sft").batchSize(2).steps(2).evalRows(2).evaluation(0.25, null))) {
            InvalidTrainingInputException e = assertThrows(InvalidTrainingInputException.class,
                    () -> new Trainer().run(b.build(), new TinyRuns.Recorder(), () -> false));
            assertTrue(e.getMessage().matches("(--eval-|--keep-best|give --eval-fraction or --eval-rows).*"), e.getMessage());
            assertTrue(Files.notExists(out), "nothing written for: " + e.getMessage());
        }
    }

    @Test
    void theChartShowsTheHeldOutLossAsDots() throws IOException {
        Path out = dir.resolve("run");
        new Trainer().run(base(out).preset("sft").batchSize(2).steps(4).evaluation(0.25, 2).build(),
                new TinyRuns.Recorder(), () -> false);
        String svg = Files.readString(out.resolve("loss.svg"));
        assertTrue(svg.contains(">held-out loss</text>"));
        // SFT: the loss, and the reason and action CE of the held-out rows (KL and the other spans are 0)
        assertTrue(svg.contains(">held-out reason CE</text>") && svg.contains(">held-out action CE</text>"));
        assertFalse(svg.contains(">held-out reason KL</text>") || svg.contains(">held-out observation CE</text>"));
        assertEquals(3 * 3, svg.split("<circle ", -1).length - 1, "three curves at steps 0, 2 and 4");
    }
}
