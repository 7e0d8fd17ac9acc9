package io.distillab.training.train;

import java.nio.file.Path;
import java.util.List;

/**
 * Every option of {@code distillab train} (null: the default of SPEC section 8 or of the preset).
 * The service and the CLI fill it; {@link Trainer#run} validates it before writing anything.
 *
 * @param student          a checkpoint folder, or a config.json to create a student from (random weights)
 * @param tokens           TOKENS.npy (with {@code spans}), or null with {@code data}
 * @param spans            SPANS.npy
 * @param data             prepared folders ({@code distillab prepare} output), or trajectory files
 * @param teacher          an online teacher's checkpoint folder, or null
 * @param teacherTopkIndex IDX.npy [rows, L, k] of a stored top-k teacher, or null
 * @param teacherTopkLogProb LOGP.npy [rows, L, k]
 * @param preset           sad, kd or sft (null: sad with a teacher, sft without)
 * @param klWeights        wKL per span type (reason, action, observation, other), or null
 * @param ceWeights        wCE per span type, or null
 * @param loraRank         null: 16
 * @param loraAlpha        null: 32
 * @param gradAccum        K micro-batches per step; the batch size must be a multiple of it
 * @param lr               null: 3e-4, or 2e-4 with LoRA
 * @param warmup           null: min(100, floor(steps/10)), at least 1
 * @param clip             null: 1.0
 * @param weightDecay      λ of tensors with two or more dimensions (null: 0.1); others have none
 * @param order            file, shuffle or curriculum (null: shuffle); curriculum needs a folder
 *                         written by {@code distillab prepare} (its complexity.npy)
 * @param checkpointEvery  null: 100; a checkpoint is also written at the end ({@code final/})
 * @param device           cpu, cuda or auto (null: auto: the GPU when the CUDA driver and a device are there)
 * @param precision        the GPU's products: fp32, tf32 or bf16 (null: bf16 on the GPU; the CPU is fp32)
 * @param threads          null: every processor
 * @param curriculumStart  the curriculum's starting competence c0 (null: 0.2, SPEC 7)
 * @param curriculumSteps  S_c, the step from which the curriculum draws from every row (null: half the steps)
 * @param evalFraction     the fraction of the data's rows held out of training and evaluated on (null: 0, none)
 * @param evalRows         instead of a fraction, the number of rows held out (null: none)
 * @param evalEvery        steps between evaluations of the held-out rows (null: the checkpoint interval); they
 *                         are also evaluated before the first step and after the last
 * @param keepBest         keep {@code best/}: the weights of the evaluation with the lowest held-out loss
 */
public record TrainOptions(Path student, Path tokens, Path spans, List<Path> data, Path teacher,
                           Path teacherTopkIndex, Path teacherTopkLogProb, String preset, Double alpha,
                           Double temperature, double[] klWeights, double[] ceWeights, boolean learnSpanWeights,
                           boolean lora, Integer loraRank, Double loraAlpha, boolean merge, long steps, int batchSize,
                           int gradAccum, Double lr, Integer warmup, Double clip, Double weightDecay, String order,
                           long seed, Path out, Integer checkpointEvery, boolean resume, String device,
                           String precision, Integer threads, Double curriculumStart, Long curriculumSteps,
                           Double evalFraction, Integer evalRows, Integer evalEvery, boolean keepBest) {
    public static final int DEFAULT_CHECKPOINT_EVERY = 100;

    public TrainOptions {
        data = data == null ? List.of() : List.copyOf(data);
        klWeights = klWeights == null ? null : klWeights.clone();
        ceWeights = ceWeights == null ? null : ceWeights.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.student = student;
        b.tokens = tokens;
        b.spans = spans;
        b.data = data;
        b.teacher = teacher;
        b.teacherTopkIndex = teacherTopkIndex;
        b.teacherTopkLogProb = teacherTopkLogProb;
        b.preset = preset;
        b.alpha = alpha;
        b.temperature = temperature;
        b.klWeights = klWeights;
        b.ceWeights = ceWeights;
        b.learnSpanWeights = learnSpanWeights;
        b.lora = lora;
        b.loraRank = loraRank;
        b.loraAlpha = loraAlpha;
        b.merge = merge;
        b.steps = steps;
        b.batchSize = batchSize;
        b.gradAccum = gradAccum;
        b.lr = lr;
        b.warmup = warmup;
        b.clip = clip;
        b.weightDecay = weightDecay;
        b.order = order;
        b.seed = seed;
        b.out = out;
        b.checkpointEvery = checkpointEvery;
        b.resume = resume;
        b.curriculumStart = curriculumStart;
        b.curriculumSteps = curriculumSteps;
        b.device = device;
        b.precision = precision;
        b.threads = threads;
        b.evalFraction = evalFraction;
        b.evalEvery = evalEvery;
        b.evalRows = evalRows;
        b.keepBest = keepBest;
        return b;
    }

    /** Options one at a time; unset ones keep their defaults. */
    public static final class Builder {
        private Path student, tokens, spans, teacher, teacherTopkIndex, teacherTopkLogProb, out;
        private List<Path> data = List.of();
        private String preset, order, device, precision;
        private Double alpha, temperature, loraAlpha, lr, clip, weightDecay;
        private double[] klWeights, ceWeights;
        private boolean learnSpanWeights, lora, merge, resume, keepBest;
        private Integer loraRank, warmup, checkpointEvery, threads;
        private Double curriculumStart, evalFraction;
        private Integer evalEvery, evalRows;
        private Long curriculumSteps;
        private long steps, seed;
        private int batchSize, gradAccum = 1;

        public Builder student(Path v) { student = v; return this; }
        public Builder tokens(Path tokensFile, Path spansFile) { tokens = tokensFile; spans = spansFile; return this; }
        public Builder data(List<Path> v) { data = v; return this; }
        public Builder teacher(Path v) { teacher = v; return this; }
        public Builder teacherTopk(Path index, Path logProb) { teacherTopkIndex = index; teacherTopkLogProb = logProb; return this; }
        public Builder preset(String v) { preset = v; return this; }
        public Builder alpha(Double v) { alpha = v; return this; }
        public Builder temperature(Double v) { temperature = v; return this; }
        public Builder weights(double[] kl, double[] ce) { klWeights = kl; ceWeights = ce; return this; }
        public Builder learnSpanWeights(boolean v) { learnSpanWeights = v; return this; }
        public Builder lora(boolean v) { lora = v; return this; }
        public Builder loraRank(Integer v) { loraRank = v; return this; }
        public Builder loraAlpha(Double v) { loraAlpha = v; return this; }
        public Builder merge(boolean v) { merge = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder gradAccum(int v) { gradAccum = v; return this; }
        public Builder lr(Double v) { lr = v; return this; }
        public Builder warmup(Integer v) { warmup = v; return this; }
        public Builder clip(Double v) { clip = v; return this; }
        public Builder weightDecay(Double v) { weightDecay = v; return this; }
        public Builder order(String v) { order = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder checkpointEvery(Integer v) { checkpointEvery = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder device(String v) { device = v; return this; }
        public Builder precision(String v) { precision = v; return this; }
        public Builder threads(Integer v) { threads = v; return this; }
        public Builder curriculum(Double start, Long steps) { curriculumStart = start; curriculumSteps = steps; return this; }
        public Builder evaluation(Double fraction, Integer every) { evalFraction = fraction; evalEvery = every; return this; }
        public Builder keepBest(boolean v) { keepBest = v; return this; }
        public Builder evalRows(Integer v) { evalRows = v; return this; }

        public TrainOptions build() {
            return new TrainOptions(student, tokens, spans, data, teacher, teacherTopkIndex, teacherTopkLogProb, preset,
                    alpha, temperature, klWeights, ceWeights, learnSpanWeights, lora, loraRank, loraAlpha, merge, steps,
                    batchSize, gradAccum, lr, warmup, clip, weightDecay, order, seed, out, checkpointEvery, resume,
                    device, precision, threads, curriculumStart, curriculumSteps, evalFraction, evalRows, evalEvery, keepBest);
        }
    }
}
