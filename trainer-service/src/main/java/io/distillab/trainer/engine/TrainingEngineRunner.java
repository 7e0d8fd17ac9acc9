package io.distillab.trainer.engine;

import io.distillab.trainer.job.InvalidJobException;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.queue.TrainingFailedException;
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
 * The one class of the service that calls the training engine: a job's arguments become the
 * engine's {@link TrainOptions}, {@link Trainer#run} trains, and its listener feeds the service's.
 * Before a job is queued, {@link #check} reads its configs with the engine's {@link ModelConfig}
 * and sizes the run with the engine's memory estimate ({@link TransformerLm#estimateTrainingBytes}
 * and friends, as the trainer itself does before allocating).
 */
@ApplicationScoped
public class TrainingEngineRunner implements TrainingEngine {
    private static final Logger LOG = Logger.getLogger(TrainingEngineRunner.class);

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
        // a row holds at most the context; without one, the student's positions bound it
        int length = p.context() != null ? p.context() : student.maxPositions();
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
    }

    @Override
    public Result train(TrainArguments job, Placement placement, Listener listener, BooleanSupplier cancelled) {
        JobParameters p = job.parameters();
        TrainOptions options = TrainOptions.builder()
                .student(job.student()).data(List.of(job.data())).teacher(job.teacher())
                .teacherTopk(job.topkIdx(), job.topkLogp()).preset(p.preset()).alpha(p.alpha())
                .temperature(p.temperature()).weights(weights(p.wKl()), weights(p.wCe()))
                .learnSpanWeights(Boolean.TRUE.equals(p.learnSpanWeights())).lora(Boolean.TRUE.equals(p.lora()))
                .loraRank(p.loraRank()).loraAlpha(p.loraAlpha()).merge(Boolean.TRUE.equals(p.merge()))
                .steps(p.steps()).batchSize(p.batchSize()).gradAccum(p.gradAccum() == null ? 1 : p.gradAccum())
                .lr(p.lr()).warmup(p.warmup()).clip(p.clip()).weightDecay(p.weightDecay()).order(p.order())
                .seed(p.seed() == null ? 0 : p.seed()).out(job.out())
                .checkpointEvery(p.checkpointEvery() == null ? null : Math.toIntExact(p.checkpointEvery()))
                .resume(job.resume()).device(placement.cpu() ? "cpu" : "cuda").threads(placement.threads())
                .build();
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
        } catch (InvalidTrainingInputException | ModelFormatException e) {
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
