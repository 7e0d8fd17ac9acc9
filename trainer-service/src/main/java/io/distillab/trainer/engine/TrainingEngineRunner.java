package io.distillab.trainer.engine;

import io.distillab.trainer.job.InvalidJobException;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.queue.TrainingFailedException;
import io.distillab.trainer.store.ModelStore;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.training.data.DataException;
import io.distillab.training.data.Prepare;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.SpanType;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.LoraConfig;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.ModelFormatException;
import io.distillab.training.model.TransformerLm;
import io.distillab.training.train.InvalidTrainingInputException;
import io.distillab.training.train.StepMetrics;
import io.distillab.training.train.TrainOptions;
import io.distillab.training.train.Trainer;
import io.distillab.training.train.TrainingListener;
import io.distillab.training.train.TrainingResult;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The one class of the service that calls the training engine. Before a job is queued,
 * {@link #check} reads its configs with the engine's {@link ModelConfig}, turns its trajectories
 * into training sequences with the engine's {@link Prepare} (as {@code distillab train --data}
 * does; bad data, a template that fails or a context too short for it refuse the job) into the
 * job's {@code prepared/} folder, and sizes the run with the engine's memory estimate
 * ({@link TransformerLm#estimateTrainingBytes} and friends, as the trainer itself does before
 * allocating). {@link #train} then runs {@link Trainer#run} on the prepared folder and feeds the
 * engine's listener into the service's.
 */
@ApplicationScoped
public class TrainingEngineRunner implements TrainingEngine {
    private static final Logger LOG = Logger.getLogger(TrainingEngineRunner.class);
    /** {@code distillab train}'s default context for trajectory data. */
    static final int DEFAULT_CONTEXT = 1024;
    static final String PREPARED = "prepared";

    @Override
    public void check(TrainArguments job, Placement placement) {
        JobParameters p = job.parameters();
        ModelConfig student = config(job.student(), p.student() != null ? "student" : "studentConfig");
        ModelConfig teacher = job.teacher() == null ? null : config(job.teacher(), "teacher");
        int accum = p.gradAccum() == null ? 1 : p.gradAccum();
        if (p.batchSize() % accum != 0) {
            throw new InvalidJobException("gradAccum", "must divide batchSize (" + p.batchSize() + ")");
        }
        boolean hasTeacher = job.teacher() != null || job.topkIdx() != null;
        LossConfig loss;
        try {
            Preset preset = p.preset() == null ? (hasTeacher ? Preset.SAD : Preset.SFT) : Preset.parse(p.preset());
            loss = LossConfig.resolve(preset, p.alpha(), p.temperature(), weights(p.wKl()), weights(p.wCe()));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException(p.wKl() != null ? "wKl" : "preset", e.getMessage());
        }
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (loss.klWeight(k) != 0 && !hasTeacher) {
                throw new InvalidJobException("teacher", "the loss puts weight on KL (" + loss + ") but the job has "
                        + "no teacher: give teacher or teacherTopk, or preset sft");
            }
        }
        LoraConfig lora = !Boolean.TRUE.equals(p.lora()) ? null : new LoraConfig(
                p.loraRank() == null ? LoraConfig.DEFAULT_RANK : p.loraRank(),
                p.loraAlpha() == null ? LoraConfig.DEFAULT_ALPHA : p.loraAlpha(), List.of(), null);
        int length = p.context() != null ? p.context() : DEFAULT_CONTEXT;
        if (length > student.maxPositions()) {
            throw new InvalidJobException("context", "the student takes at most " + student.maxPositions()
                    + " positions, not " + length);
        }
        int micro = p.batchSize() / accum;
        long trainable = lora == null ? TransformerLm.parameterCount(student)
                : TransformerLm.loraParameterCount(student, lora);
        long model = TransformerLm.estimateTrainingBytes(student, lora, micro, length);
        long optimizer = 2L * Float.BYTES * trainable;
        long teacherBytes = teacher == null ? 0 : TransformerLm.estimateInferenceBytes(teacher, micro, length);
        long positions = (long) micro * length;
        long lossBytes = 4L * Float.BYTES * positions * student.vocabSize();
        long need = model + optimizer + teacherBytes + lossBytes;
        if (need > placement.memoryBytes()) {
            throw InvalidJobException.unprocessable("batchSize", String.format(Locale.ROOT,
                    "the run needs about %.2f GiB (student %.2f, optimizer %.2f, teacher %.2f, loss %.2f at %d rows of "
                            + "%d positions per micro-batch) but the %s offers %.2f GiB: lower batchSize, raise gradAccum, "
                            + "use lora or a shorter context", gib(need), gib(model), gib(optimizer), gib(teacherBytes),
                    gib(lossBytes), micro, length, placement.cpu() ? "CPU slot" : "GPU", gib(placement.memoryBytes())));
        }
        prepare(job, p.student() != null ? "student" : "tokenizer", placement.threads());
    }

    /** The job's trajectories as training sequences in {@code JOBDIR/prepared}, written atomically once. */
    private static Path prepare(TrainArguments job, String tokenizerField, int threads) {
        Path dir = job.out().resolveSibling(PREPARED);
        if (Files.isRegularFile(dir.resolve("tokens.npy"))) {
            return dir;
        }
        JobParameters p = job.parameters();
        Tokenizer tokenizer;
        try {
            String spec = job.tokenizer();
            if (spec == null) {
                Path folder = Files.isDirectory(job.student()) ? job.student() : job.student().getParent();
                if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) {
                    throw new InvalidJobException(tokenizerField.equals("student") ? "tokenizer" : tokenizerField,
                            "the student has no tokenizer.json of its own: give tokenizer (gpt2 or a store name)");
                }
                spec = folder.toString();
            }
            tokenizer = Tokenizer.load(spec);
        } catch (DataException e) {
            throw new InvalidJobException("tokenizer", e.getMessage());
        }
        try {
            Prepare.Prepared prepared = Prepare.run(List.of(job.data()), job.format() == null ? null
                            : TrajectoryFormat.fromName(job.format()), tokenizer,
                    p.context() != null ? p.context() : DEFAULT_CONTEXT, Boolean.TRUE.equals(p.truncate()),
                    Math.max(1, threads));
            Path tmp = dir.resolveSibling("." + PREPARED + ".tmp");
            ModelStore.deleteTree(tmp);
            Prepare.write(prepared, tmp);
            ModelStore.moveAtomically(tmp, dir);
            return dir;
        } catch (DataException e) {
            throw new InvalidJobException("data", e.getMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public Result train(TrainArguments job, Placement placement, Listener listener, BooleanSupplier cancelled) {
        JobParameters p = job.parameters();
        Path prepared;
        try {
            prepared = prepare(job, "tokenizer", placement.threads());
        } catch (InvalidJobException e) {
            throw new TrainingFailedException(e.getMessage(), e);
        }
        boolean curriculum = Boolean.TRUE.equals(p.curriculum());
        TrainOptions options = TrainOptions.builder()
                .student(job.student()).data(List.of(prepared)).teacher(job.teacher())
                .teacherTopk(job.topkIdx(), job.topkLogp()).preset(p.preset()).alpha(p.alpha())
                .temperature(p.temperature()).weights(weights(p.wKl()), weights(p.wCe()))
                .learnSpanWeights(Boolean.TRUE.equals(p.learnSpanWeights())).lora(Boolean.TRUE.equals(p.lora()))
                .loraRank(p.loraRank()).loraAlpha(p.loraAlpha()).merge(Boolean.TRUE.equals(p.merge()))
                .steps(p.steps()).batchSize(p.batchSize()).gradAccum(p.gradAccum() == null ? 1 : p.gradAccum())
                .lr(p.lr()).warmup(p.warmup()).clip(p.clip()).weightDecay(p.weightDecay())
                .order(curriculum ? "curriculum" : p.order()).curriculum(p.curriculumStart(), p.curriculumSteps())
                .seed(p.seed() == null ? 0 : p.seed()).out(job.out())
                .checkpointEvery(p.checkpointEvery() == null ? null : Math.toIntExact(p.checkpointEvery()))
                .resume(job.resume()).device(placement.cpu() ? "cpu" : "cuda").threads(placement.threads())
                .evaluation(p.evalFraction(), p.evalEvery() == null ? null : Math.toIntExact(p.evalEvery()))
                .evalRows(p.evalRows()).keepBest(Boolean.TRUE.equals(p.keepBest())).build();
        try {
            TrainingResult r = new Trainer().run(options, new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    listener.step(m.toJson());
                }

                @Override
                public void onCheckpoint(long step, Path dir) {
                    listener.checkpoint(step, dir);
                }

                @Override
                public void onMessage(String line) {
                    LOG.infof("%s: %s", job.out(), line);
                }
            }, cancelled);
            return new Result(r.cancelled(), r.cancelled() || Double.isNaN(r.lastLoss()) ? null : r.lastLoss());
        } catch (InvalidTrainingInputException | ModelFormatException | DataException e) {
            throw new TrainingFailedException(e.getMessage(), e);
        }
    }

    private static ModelConfig config(Path path, String field) {
        Path file = Files.isDirectory(path) ? path.resolve(HfCheckpoints.CONFIG) : path;
        try {
            return ModelConfig.read(file);
        } catch (ModelFormatException e) {
            throw new InvalidJobException(field, e.getMessage());
        }
    }

    private static double[] weights(List<Double> w) {
        return w == null ? null : w.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
