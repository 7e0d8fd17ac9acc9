package io.distillab.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.trainer.job.InvalidJobException;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.StepRecord;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.store.ModelStore;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real engine behind the service: a CPU job on a tiny GPT-2 student and bundled tau-bench
 * trajectories is checked (prepared, sized), trains to the end, and its student loads back; a run
 * stopped after a checkpoint and resumed ends with the same final loss, bit for bit, as an
 * uninterrupted one (SPEC 8: CPU resumes are bit-identical, same thread count); refusals name the field.
 */
class TrainingEngineRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TrainingEngine.Placement CPU = new TrainingEngine.Placement(-1, 2, 4L << 30);

    @TempDir
    Path root;

    private ModelStore store;
    private final TrainingEngineRunner engine = new TrainingEngineRunner();

    private static final String TINY_GPT2 = "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"n_positions\": 64, "
            + "\"n_embd\": 16, \"n_layer\": 1, \"n_head\": 2, \"layer_norm_epsilon\": 1e-5, \"tie_word_embeddings\": true}";

    @BeforeEach
    void store() {
        store = new ModelStore(root);
    }

    /** Job {@code id}'s folder with the first three bundled tau-bench trajectories as chat JSONL. */
    private TrainArguments job(long id, String parametersJson, boolean resume) throws Exception {
        Path data = store.jobData(id).resolve("small.jsonl");
        Files.createDirectories(data.getParent());
        if (!Files.exists(data)) {
            List<String> lines = new ArrayList<>();
            String r = System.getProperty("distillab.root", "..");
            TrajectoryImporter.importPath(Path.of(r).resolve("data/tau-bench/gpt-4o-airline.json"),
                    TrajectoryFormat.TAU_BENCH, null, t -> {
                        if (lines.size() < 3) {
                            lines.add(CanonicalRecord.toJson(t).toString());
                        }
                    });
            Files.write(data, lines);
        }
        JobParameters p = JSON.readValue(parametersJson, JobParameters.class);
        if (p.studentConfig() != null) {
            Files.writeString(store.job(id).resolve(TrainArguments.STUDENT_CONFIG), p.studentConfig().toString());
        }
        return TrainArguments.of(store, store.job(id), p, "small.jsonl", "chat-jsonl", resume);
    }

    /** A new tiny GPT-2 student (random weights from the seed) trained with SFT on gpt2 tokens. */
    private static final String PARAMS = "{\"studentConfig\": " + TINY_GPT2 + ", \"tokenizer\": \"gpt2\", \"context\": 64, "
            + "\"preset\": \"sft\", \"steps\": 6, \"batchSize\": 2, \"checkpointEvery\": 3, \"seed\": 1, \"device\": \"cpu\"}";

    private record Run(TrainingEngine.Result result, List<StepRecord> steps, List<Long> checkpoints) {
    }

    private Run train(TrainArguments job, java.util.function.LongPredicate stopAfter) throws Exception {
        List<StepRecord> steps = new CopyOnWriteArrayList<>();
        List<Long> checkpoints = new CopyOnWriteArrayList<>();
        TrainingEngine.Result r = engine.train(job, CPU, new TrainingEngine.Listener() {
            @Override
            public void step(String metricsLine) {
                steps.add(StepRecord.parse(metricsLine));
            }

            @Override
            public void checkpoint(long step, Path dir) {
                checkpoints.add(step);
            }
        }, () -> !steps.isEmpty() && stopAfter.test(steps.get(steps.size() - 1).step()));
        return new Run(r, steps, checkpoints);
    }

    @Test
    void aTinyStudentTrainsToTheEndAndLoadsBack() throws Exception {
        TrainArguments job = job(1, PARAMS, false);
        engine.check(job, CPU);
        assertTrue(Files.isRegularFile(store.job(1).resolve("prepared/tokens.npy")), "not prepared at submission");
        Run run = train(job, s -> false);
        assertFalse(run.result().cancelled());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), run.steps().stream().map(StepRecord::step).toList());
        assertEquals(run.steps().get(5).loss(), run.result().finalLoss(), 0.0);
        assertTrue(run.steps().stream().allMatch(s -> Double.isFinite(s.loss()) && s.tokens() > 0));
        Path student = store.finalStudent(1);
        CausalLm loaded = HfCheckpoints.load(student, 1);
        assertEquals(50257, loaded.config().vocabSize());
        assertEquals(16, loaded.config().hiddenSize());
        assertNotNull(loaded.parameters());
        assertEquals(6, Files.readAllLines(store.jobOut(1).resolve("metrics.jsonl")).size());
    }

    @Test
    void aJobThatHoldsRowsOutEvaluatesThemAndItsCurveAndChartShowIt() throws Exception {
        TrainArguments job = job(4, PARAMS.replace("\"seed\": 1", "\"seed\": 1, \"evalFraction\": 0.25, \"evalEvery\": 2"),
                false);
        engine.check(job, CPU);
        train(job, s -> false);
        List<String> lines = Files.readAllLines(store.jobOut(4).resolve("eval.jsonl"));
        List<String> steps = Files.readAllLines(store.jobOut(4).resolve("metrics.jsonl"));
        io.distillab.trainer.job.LossCurve curve = new io.distillab.trainer.job.LossCurve(steps, lines);
        var json = curve.toJson();
        assertEquals("[0,2,4,6]", json.get("heldOut").get("steps").toString(), "before the first step, every 2, the last");
        assertTrue(json.get("heldOut").get("rows").asInt() >= 1);
        double first = json.get("heldOut").get("loss").get(0).asDouble();
        assertTrue(first > 0 && Double.isFinite(first), json.toString());
        assertEquals(6, curve.lastHeldOut().step());
        assertTrue(curve.svg("job 4").contains(">held-out loss</text>"));
        // a line being written (torn) is left out, not an error
        assertEquals(3, new io.distillab.trainer.job.LossCurve(steps, List.of(lines.get(0), lines.get(1), lines.get(2),
                "{\"step\": 8, \"lo")).toJson().get("heldOut").get("steps").size());
    }

    @Test
    void aStoppedRunResumedFromItsCheckpointEndsAsAnUninterruptedOne() throws Exception {
        TrainArguments whole = job(2, PARAMS, false);
        engine.check(whole, CPU);
        Run uninterrupted = train(whole, s -> false);

        TrainArguments first = job(3, PARAMS, false);
        engine.check(first, CPU);
        Run stopped = train(first, s -> s >= 4);
        assertTrue(stopped.result().cancelled());
        assertTrue(Files.isDirectory(store.jobOut(3).resolve("checkpoint-3")));
        Run resumed = train(job(3, PARAMS, true), s -> false);
        assertFalse(resumed.result().cancelled());
        assertEquals(6, resumed.steps().get(resumed.steps().size() - 1).step());
        assertEquals(uninterrupted.result().finalLoss(), resumed.result().finalLoss(), 0.0,
                "CPU resumes are bit-identical (SPEC 8)");
    }

    @Test
    void refusalsNameTheField() throws Exception {
        InvalidJobException memory = assertThrows(InvalidJobException.class, () -> engine.check(job(4, PARAMS, false),
                new TrainingEngine.Placement(-1, 1, 1 << 20)));
        assertTrue(memory.unprocessable());
        assertEquals("batchSize", memory.field());
        InvalidJobException noTokenizer = assertThrows(InvalidJobException.class, () -> engine.check(
                job(5, PARAMS.replace("\"tokenizer\": \"gpt2\", ", ""), false), CPU));
        assertEquals("tokenizer", noTokenizer.field());
        InvalidJobException context = assertThrows(InvalidJobException.class, () -> engine.check(
                job(6, PARAMS.replace("\"context\": 64", "\"context\": 128"), false), CPU));
        assertEquals("context", context.field());
        InvalidJobException kl = assertThrows(InvalidJobException.class, () -> engine.check(
                job(7, PARAMS.replace("\"preset\": \"sft\"", "\"preset\": \"sad\""), false), CPU));
        assertEquals("teacher", kl.field());
    }
}
