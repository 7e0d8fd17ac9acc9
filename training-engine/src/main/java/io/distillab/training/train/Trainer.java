package io.distillab.training.train;

import io.distillab.training.cuda.CudaDriver;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.data.CurriculumOrder;
import io.distillab.training.loss.CpuSpanMaskedLoss;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.SpanCounts;
import io.distillab.training.loss.SpanType;
import io.distillab.training.loss.Teacher;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.LoraConfig;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.ModelFormatException;
import io.distillab.training.model.Parameter;
import io.distillab.training.model.Precision;
import io.distillab.training.model.TransformerLm;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.safetensors.SafeTensorsReader;
import io.distillab.training.safetensors.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Trains a student with the span-masked loss (SPEC sections 6-8) on CPU.
 *
 * <p>{@link #run} first checks every input (options, data, configs, teacher, memory) and throws
 * {@link InvalidTrainingInputException} before writing anything; then loads the models, restores
 * a checkpoint with {@code resume}, and runs the steps. A step: the batch's rows (a pure function
 * of seed and step), split into K micro-batches; the counts |R_k|, |A_k| of the whole batch; per
 * micro-batch the student's forward, the teacher's, the loss of its positions normalised by the
 * batch counts and the backward, which accumulates the gradient; then clipping, AdamW at the
 * scheduled learning rate, the metrics line and, every N steps, a checkpoint. All sums whose order
 * could vary run in a fixed order, so a resumed run repeats the losses of an uninterrupted one bit
 * for bit (given the same thread count).
 */
public final class Trainer {
    /** {@code --keep-best}'s folder under --out, and the evaluation of its weights in it. */
    public static final String BEST = "best";
    static final String BEST_EVAL = "eval.json";
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json",
            "generation_config.json");

    /** Trains as {@code o} says; checks {@code cancelled} between steps (then checkpoints and returns). */
    public TrainingResult run(TrainOptions o, TrainingListener listener, BooleanSupplier cancelled) {
        List<String> notes = new ArrayList<>();
        Plan plan = Plan.of(o, notes::add);
        notes.forEach(listener::onMessage);
        try {
            try (Run run = new Run(plan, listener)) {
                return run.train(cancelled);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything decided from the options and inputs before a byte is written. */
    record Plan(TrainOptions options, TrainingData data, ModelConfig studentConfig, ModelConfig teacherConfig,
                int vocab, LossConfig loss, LoraConfig lora, LrSchedule schedule, double clip, double weightDecay,
                boolean shuffle, int microBatch, int threads, int checkpointEvery, TeacherSource.TopK topk,
                TrainingState resumeFrom, Path resumeDir, CurriculumOrder curriculum, boolean gpu, Precision precision,
                HeldOutRows heldOut, int evalEvery) {

        /** The data order's name, as the training state records it. */
        String orderName() {
            return curriculum != null ? "curriculum" : shuffle ? "shuffle" : "file";
        }

        /** Checks everything; lines worth telling the user go to {@code notes} (told once all is well). */
        static Plan of(TrainOptions o, java.util.function.Consumer<String> notes) {
            if (o.student() == null) {
                throw new InvalidTrainingInputException("--student is required (a checkpoint folder or a config.json)");
            }
            if (o.out() == null) {
                throw new InvalidTrainingInputException("--out is required");
            }
            String device = o.device() == null ? "auto" : o.device().trim().toLowerCase(java.util.Locale.ROOT);
            boolean gpu = switch (device) {
                case "cpu" -> false;
                case "cuda" -> {
                    if (o.lora()) {
                        throw new InvalidTrainingInputException("--lora: LoRA is trained on the CPU only in this build;"
                                + " use --device cpu");
                    }
                    try {
                        CudaDriver.initialise();
                    } catch (CudaUnavailableException e) {
                        throw new InvalidTrainingInputException("--device cuda: " + e.getMessage());
                    }
                    yield true;
                }
                case "auto" -> {
                    if (o.lora()) {
                        notes.accept("training on the CPU (LoRA is trained on the CPU only in this build)");
                        yield false;
                    }
                    try {
                        CudaDriver.initialise();
                        yield true;
                    } catch (CudaUnavailableException e) {
                        notes.accept("training on the CPU (no GPU: " + e.getMessage() + ")");
                        yield false;
                    }
                }
                default -> throw new InvalidTrainingInputException("--device: unknown device '" + o.device()
                        + "' (expected cpu, cuda or auto)");
            };
            Precision precision = o.precision() == null ? (gpu ? Precision.BF16 : Precision.FP32)
                    : argument("--precision", () -> Precision.parse(o.precision()));
            if (!gpu && precision != Precision.FP32) {
                throw new InvalidTrainingInputException("--precision " + precision.key()
                        + ": the CPU trains in fp32; give --device cuda for tf32 or bf16");
            }
            if (o.steps() < 1) {
                throw new InvalidTrainingInputException("--steps must be >= 1, got " + o.steps());
            }
            if (o.batchSize() < 1) {
                throw new InvalidTrainingInputException("--batch-size must be >= 1, got " + o.batchSize());
            }
            if (o.gradAccum() < 1 || o.batchSize() % o.gradAccum() != 0) {
                throw new InvalidTrainingInputException("--grad-accum " + o.gradAccum()
                        + ": must be >= 1 and divide --batch-size " + o.batchSize());
            }
            int threads = o.threads() == null ? Runtime.getRuntime().availableProcessors() : o.threads();
            if (threads < 1) {
                throw new InvalidTrainingInputException("--threads must be >= 1, got " + threads);
            }
            int every = o.checkpointEvery() == null ? TrainOptions.DEFAULT_CHECKPOINT_EVERY : o.checkpointEvery();
            if (every < 1) {
                throw new InvalidTrainingInputException("--checkpoint-every must be >= 1, got " + every);
            }
            double evalFraction = o.evalFraction() == null ? 0 : o.evalFraction();
            if (!(evalFraction >= 0 && evalFraction < 1)) {
                throw new InvalidTrainingInputException("--eval-fraction must be a fraction in [0, 1), got " + evalFraction);
            }
            if (o.evalRows() != null && o.evalFraction() != null) {
                throw new InvalidTrainingInputException("give --eval-fraction or --eval-rows, not both");
            }
            if (o.evalRows() != null && o.evalRows() < 1) {
                throw new InvalidTrainingInputException("--eval-rows must be >= 1, got " + o.evalRows());
            }
            boolean evaluates = evalFraction > 0 || o.evalRows() != null;
            if (o.evalEvery() != null && !evaluates) {
                throw new InvalidTrainingInputException("--eval-every needs held-out rows: give --eval-fraction or --eval-rows");
            }
            if (o.keepBest() && !evaluates) {
                throw new InvalidTrainingInputException("--keep-best needs held-out rows: give --eval-fraction or --eval-rows");
            }
            int evalEvery = o.evalEvery() == null ? every : o.evalEvery();
            if (evalEvery < 1) {
                throw new InvalidTrainingInputException("--eval-every must be >= 1, got " + evalEvery);
            }
            boolean curriculumOrder = o.order() != null && o.order().trim().equalsIgnoreCase("curriculum");
            boolean shuffle = !curriculumOrder
                    && argument("--order", () -> DataOrder.isShuffle(o.order() == null ? "shuffle" : o.order()));
            if (o.teacher() != null && o.teacherTopkIndex() != null) {
                throw new InvalidTrainingInputException("give one of --teacher DIR and --teacher-topk IDX.npy,LOGP.npy, not both");
            }
            boolean hasTeacher = o.teacher() != null || o.teacherTopkIndex() != null;
            Preset preset = o.preset() == null ? (hasTeacher ? Preset.SAD : Preset.SFT)
                    : argument("--preset", () -> Preset.parse(o.preset()));
            LossConfig loss = argument("loss weights", () -> LossConfig.resolve(preset, o.alpha(), o.temperature(),
                    o.klWeights(), o.ceWeights()));
            boolean anyKl = false;
            for (int k = 0; k < SpanType.COUNT; k++) {
                anyKl |= loss.klWeight(k) != 0;
            }
            if (anyKl && !hasTeacher) {
                throw new InvalidTrainingInputException("the loss has KL weights (" + loss
                        + ") but no teacher: give --teacher DIR or --teacher-topk IDX.npy,LOGP.npy, or --preset sft");
            }
            if (o.merge() && !o.lora()) {
                throw new InvalidTrainingInputException("--merge applies to --lora runs only");
            }
            if ((o.loraRank() != null || o.loraAlpha() != null) && !o.lora()) {
                throw new InvalidTrainingInputException("--lora-rank and --lora-alpha need --lora");
            }
            LoraConfig lora = !o.lora() ? null : argument("--lora", () -> new LoraConfig(
                    o.loraRank() == null ? LoraConfig.DEFAULT_RANK : o.loraRank(),
                    o.loraAlpha() == null ? LoraConfig.DEFAULT_ALPHA : o.loraAlpha(), List.of(),
                    Files.isDirectory(o.student()) ? o.student().toString() : null));
            double lr = o.lr() != null ? o.lr() : o.lora() ? 2e-4 : 3e-4;
            int warmup = o.warmup() != null ? o.warmup() : LrSchedule.defaultWarmup(o.steps());
            LrSchedule schedule = argument("--lr/--warmup", () -> new LrSchedule(lr, warmup, o.steps()));
            double clip = o.clip() == null ? 1.0 : o.clip();
            if (!(clip > 0) || !Double.isFinite(clip)) {
                throw new InvalidTrainingInputException("--clip must be a finite number > 0, got " + clip);
            }
            double decay = o.weightDecay() == null ? 0.1 : o.weightDecay();
            if (!(decay >= 0) || !Double.isFinite(decay)) {
                throw new InvalidTrainingInputException("--weight-decay must be a finite number >= 0, got " + decay);
            }

            TrainingData data = data(o);
            HeldOutRows heldOut = argument(o.evalRows() != null ? "--eval-rows" : "--eval-fraction", () -> HeldOutRows.split(
                    data.rows(), o.evalRows() != null ? o.evalRows() : HeldOutRows.count(data.rows(), evalFraction), o.seed()));
            if (heldOut.evaluates()) {
                notes.accept("holding out " + heldOut.eval().length + " of " + data.rows() + " rows for evaluation"
                        + " (every " + evalEvery + " steps, before the first and after the last)");
            }
            ModelConfig student = config(o.student(), "--student");
            ModelConfig teacher = o.teacher() == null ? null : config(o.teacher(), "--teacher");
            int vocab = student.vocabSize();
            if (teacher != null) {
                checkSameTokenizer(o.student(), o.teacher());
                vocab = Math.min(vocab, teacher.vocabSize());
                if (teacher.vocabSize() != student.vocabSize()) {
                    notes.accept("student and teacher vocab_size differ (" + student.vocabSize() + ", "
                            + teacher.vocabSize() + "): logits past " + vocab + " are dropped from both");
                }
            }
            Integer tokenizerVocab = preparedVocab(o);
            if (tokenizerVocab != null && tokenizerVocab < vocab) {
                vocab = tokenizerVocab;
            }
            data.checkVocabulary(vocab, teacher == null ? "the student's vocab_size " + student.vocabSize()
                    : "the vocabulary student and teacher share");
            for (ModelConfig c : teacher == null ? List.of(student) : List.of(student, teacher)) {
                if (c.family() == ModelConfig.Family.GPT2 && data.longestSequence() > c.maxPositions()) {
                    throw new InvalidTrainingInputException(data.source() + ": a sequence of " + data.longestSequence()
                            + " tokens is longer than " + c.source() + "'s " + c.maxPositions() + " positions");
                }
            }
            TeacherSource.TopK topk = o.teacherTopkIndex() == null ? null
                    : TeacherSource.TopK.read(o.teacherTopkIndex(), o.teacherTopkLogProb(), data, vocab);

            int micro = o.batchSize() / o.gradAccum();
            if (gpu) {
                checkHostMemoryForGpu(student, teacher);
            } else {
                checkMemory(student, teacher, lora, micro, data.length(), vocab);
            }

            TrainingState resumeFrom = null;
            Path resumeDir = null;
            if (o.resume()) {
                resumeDir = latestCheckpoint(o.out());
                if (resumeDir == null) {
                    notes.accept("--resume: no checkpoint in " + o.out() + " yet; starting from step 0");
                } else {
                    resumeFrom = TrainingState.read(resumeDir.resolve(TrainingState.FOLDER));
                    String diff = resumeFrom.differenceFrom(stateOf(o, schedule,
                            curriculumOrder ? "curriculum" : shuffle ? "shuffle" : "file", lora, 0, null,
                            heldOut.eval().length));
                    if (diff != null) {
                        throw new InvalidTrainingInputException("--resume: " + resumeDir + " was trained with " + diff
                                + "; give the same options to continue it");
                    }
                }
            } else if (holdsRun(o.out())) {
                throw new InvalidTrainingInputException("--out " + o.out()
                        + ": holds a training run already (give --resume to continue it, or another folder)");
            }
            CurriculumOrder curriculum = curriculumOrder ? curriculum(o, data, heldOut) : null;
            return new Plan(o, data, student, teacher, vocab, loss, lora, schedule, clip, decay, shuffle, micro, threads,
                    every, topk, resumeFrom, resumeDir, curriculum, gpu, precision, heldOut, evalEvery);
        }

        /**
         * SPEC 7's curriculum over the training rows of a folder written by {@code distillab prepare},
         * whose complexity.npy holds each row's (tool calls, tokens); it draws indices into
         * {@code heldOut.train()}.
         */
        private static CurriculumOrder curriculum(TrainOptions o, TrainingData data, HeldOutRows heldOut) {
            Path file = o.data().size() == 1 ? o.data().get(0).resolve("complexity.npy") : null;
            if (file == null || !Files.isRegularFile(file)) {
                throw new InvalidTrainingInputException("--curriculum needs the rows' complexity: give --data trajectory"
                        + " files, or a folder written by distillab prepare (complexity.npy)");
            }
            long[] complexity;
            try {
                NpyArray a = NpyReader.read(file);
                if (a.shape().length != 2 || a.dim(0) != data.rows() || a.dim(1) != 2) {
                    throw new InvalidTrainingInputException(file + ": expected shape [" + data.rows() + ", 2], found "
                            + java.util.Arrays.toString(a.shape()));
                }
                int[] rows = heldOut.train();
                complexity = new long[rows.length * 2];
                for (int i = 0; i < rows.length; i++) {
                    complexity[2 * i] = a.longAt(2L * rows[i]);
                    complexity[2 * i + 1] = a.longAt(2L * rows[i] + 1);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof InvalidTrainingInputException ite) {
                    throw ite;
                }
                throw new InvalidTrainingInputException(file + ": " + e.getMessage());
            }
            double start = o.curriculumStart() == null ? CurriculumOrder.DEFAULT_START : o.curriculumStart();
            long steps = o.curriculumSteps() == null ? Math.max(1, o.steps() / 2) : o.curriculumSteps();
            return argument("--curriculum", () -> new CurriculumOrder(complexity, o.batchSize(), o.seed(), start, steps));
        }

        private static TrainingData data(TrainOptions o) {
            if (o.tokens() != null || o.spans() != null) {
                if (o.tokens() == null || o.spans() == null) {
                    throw new InvalidTrainingInputException("--tokens and --spans go together");
                }
                if (!o.data().isEmpty()) {
                    throw new InvalidTrainingInputException("give --tokens/--spans or --data, not both");
                }
                return TrainingData.fromTokenFiles(o.tokens(), o.spans());
            }
            if (o.data().isEmpty()) {
                throw new InvalidTrainingInputException("give the training data: --tokens TOKENS.npy --spans SPANS.npy, or --data");
            }
            if (o.data().size() == 1 && Files.isRegularFile(o.data().get(0).resolve("tokens.npy"))) {
                return TrainingData.fromPreparedFolder(o.data().get(0));
            }
            throw new InvalidTrainingInputException("--data " + o.data().get(0)
                    + ": turning trajectories into training sequences is not in this build yet;"
                    + " give a prepared folder (tokens.npy, spans.npy, positions.npy) or --tokens/--spans");
        }

        private static Integer preparedVocab(TrainOptions o) {
            if (o.data().size() != 1) {
                return null;
            }
            Path meta = o.data().get(0).resolve("prepare.json");
            if (!Files.isRegularFile(meta)) {
                return null;
            }
            try {
                var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(meta));
                for (String field : List.of("tokenizer_vocab_size", "vocab_size")) {
                    if (node.has(field) && node.get(field).canConvertToInt()) {
                        return node.get(field).asInt();
                    }
                }
                return null;
            } catch (IOException e) {
                throw new InvalidTrainingInputException(meta + ": not readable JSON (" + e.getMessage() + ")");
            }
        }

        private static ModelConfig config(Path path, String option) {
            Path file = Files.isDirectory(path) ? path.resolve(HfCheckpoints.CONFIG) : path;
            if (!Files.isRegularFile(file)) {
                throw new InvalidTrainingInputException(option + " " + path + ": "
                        + (Files.isDirectory(path) ? "no config.json in the folder" : "no such file"));
            }
            try {
                return ModelConfig.read(file);
            } catch (ModelFormatException e) {
                throw new InvalidTrainingInputException(e.getMessage(), e);
            }
        }

        /** When both checkpoints carry a tokenizer.json they must be the same file. */
        private static void checkSameTokenizer(Path student, Path teacher) {
            if (!Files.isDirectory(student)) {
                return;
            }
            Path a = student.resolve("tokenizer.json");
            Path b = teacher.resolve("tokenizer.json");
            if (Files.isRegularFile(a) && Files.isRegularFile(b)) {
                try {
                    if (Files.mismatch(a, b) != -1) {
                        throw new InvalidTrainingInputException("--teacher " + teacher
                                + ": its tokenizer.json differs from the student's (teacher and student must share the tokenizer)");
                    }
                } catch (IOException e) {
                    throw new InvalidTrainingInputException(b + ": cannot read (" + e.getMessage() + ")");
                }
            }
        }

        /** Refuses a run whose model, teacher, optimizer and loss buffers would not fit the heap. */
        private static void checkMemory(ModelConfig student, ModelConfig teacher, LoraConfig lora, int micro, int length,
                                        int vocab) {
            long trainable = lora == null ? TransformerLm.parameterCount(student)
                    : TransformerLm.loraParameterCount(student, lora);
            long model = TransformerLm.estimateTrainingBytes(student, lora, micro, length);
            long optimizer = 2L * 4 * trainable;
            long teacherBytes = teacher == null ? 0 : TransformerLm.estimateInferenceBytes(teacher, micro, length);
            long positions = (long) micro * length;
            // dLogits [N, V] plus the gathered student, teacher and gradient [n, vocab] of the loss
            long lossBytes = 4 * positions * student.vocabSize() + 3 * 4 * positions * vocab;
            long need = model + optimizer + teacherBytes + lossBytes;
            long available = freeHeap();
            if (need > available) {
                System.gc(); // what is used may be mostly garbage (a long-running service): count again
                available = freeHeap();
            }
            if (need > available) {
                throw new InvalidTrainingInputException(String.format(java.util.Locale.ROOT,
                        "the run needs about %.2f GiB (student %.2f, optimizer %.2f, teacher %.2f, loss %.2f) but the"
                                + " Java heap has %.2f GiB free: lower --batch-size, raise --grad-accum, use --lora, or raise -Xmx",
                        gib(need), gib(model), gib(optimizer), gib(teacherBytes), gib(lossBytes), gib(available)));
            }
        }

        /**
         * GPU training keeps on the host the weights and gradients of the host model (the
         * checkpoint's source) and the two moments: 16 bytes a parameter, 8 for the teacher. The
         * device's own memory is checked when the buffers are allocated.
         */
        private static void checkHostMemoryForGpu(ModelConfig student, ModelConfig teacher) {
            long need = 16 * TransformerLm.parameterCount(student)
                    + (teacher == null ? 0 : 8 * TransformerLm.parameterCount(teacher));
            long available = freeHeap();
            if (need > available) {
                System.gc();
                available = freeHeap();
            }
            if (need > available) {
                throw new InvalidTrainingInputException(String.format(java.util.Locale.ROOT,
                        "the run keeps about %.2f GiB of weights and optimizer state on the host but the Java heap has"
                                + " %.2f GiB free: raise -Xmx", gib(need), gib(available)));
            }
        }

        private static long freeHeap() {
            Runtime rt = Runtime.getRuntime();
            return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }

        private static double gib(long bytes) {
            return bytes / (double) (1L << 30);
        }

        private static boolean holdsRun(Path out) {
            if (!Files.isDirectory(out)) {
                return false;
            }
            try (Stream<Path> s = Files.list(out)) {
                return s.anyMatch(p -> {
                    String n = p.getFileName().toString();
                    return n.equals(MetricsLog.METRICS) || n.equals("final") || n.startsWith("checkpoint-");
                });
            } catch (IOException e) {
                throw new InvalidTrainingInputException("--out " + out + ": cannot list (" + e.getMessage() + ")");
            }
        }

        /** The complete checkpoint of the highest step under {@code out}, or null. */
        static Path latestCheckpoint(Path out) {
            if (!Files.isDirectory(out)) {
                return null;
            }
            try (Stream<Path> s = Files.list(out)) {
                return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
                        .filter(p -> Files.isRegularFile(p.resolve(TrainingState.FOLDER).resolve(TrainingState.FILE)))
                        .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(11))))
                        .orElse(null);
            } catch (IOException e) {
                throw new InvalidTrainingInputException("--out " + out + ": cannot list (" + e.getMessage() + ")");
            }
        }

        static TrainingState stateOf(TrainOptions o, LrSchedule schedule, String order, LoraConfig lora, long step,
                                     float[] spanWeights, int evalRows) {
            return new TrainingState(step, schedule.steps(), o.batchSize(), o.gradAccum(), order,
                    o.seed(), lora == null ? null : lora.rank(), lora == null ? null : lora.alpha(), o.learnSpanWeights(),
                    spanWeights == null ? new float[SpanType.COUNT] : spanWeights, evalRows);
        }

        private interface Parse<T> {
            T get();
        }

        private static <T> T argument(String what, Parse<T> parse) {
            try {
                return parse.get();
            } catch (InvalidTrainingInputException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidTrainingInputException(what + ": " + e.getMessage(), e);
            }
        }
    }

    /** A run in progress: the models, the optimizer state and the outputs. */
    private static final class Run implements AutoCloseable {
        private final Plan plan;
        private final TrainOptions o;
        private final TrainingListener listener;
        private final CausalLm student;
        private final TeacherSource teacher;
        private final List<Parameter> trainable;
        private final List<float[]> m = new ArrayList<>();
        private final List<float[]> v = new ArrayList<>();
        private final SpanWeights spanWeights;
        private final BatchOrder order;
        private final CpuSpanMaskedLoss loss;
        private final AdamW adam = new AdamW();
        private final float[] dLogits;       // CPU only
        private final CudaTraining cuda;     // GPU only
        private long step;
        /** The lowest held-out loss so far ({@code --keep-best}: the loss of the weights in best/). */
        private double bestLoss = Double.POSITIVE_INFINITY;

        Run(Plan plan, TrainingListener listener) throws IOException {
            this.plan = plan;
            this.o = plan.options();
            this.listener = listener;
            this.student = loadStudent();
            CausalLm teacherModel = plan.teacherConfig() != null ? load(o.teacher(), "--teacher") : null;
            this.teacher = teacherModel != null ? TeacherSource.online(teacherModel)
                    : plan.topk() != null ? plan.topk() : TeacherSource.NONE;
            this.trainable = student.trainableParameters();
            for (Parameter p : trainable) {
                m.add(new float[p.size()]);
                v.add(new float[p.size()]);
            }
            this.spanWeights = o.learnSpanWeights() ? new SpanWeights(plan.loss()) : null;
            int trainRows = plan.heldOut().train().length;
            this.order = plan.heldOut().onTrainingRows(plan.curriculum() != null ? plan.curriculum()
                    : plan.shuffle() ? DataOrder.shuffled(trainRows, o.batchSize(), o.seed())
                    : DataOrder.inFileOrder(trainRows, o.batchSize()));
            this.loss = new CpuSpanMaskedLoss(plan.threads());
            this.dLogits = plan.gpu() ? null
                    : new float[plan.microBatch() * plan.data().length() * student.config().vocabSize()];
            if (plan.resumeFrom() != null) {
                restore(plan.resumeDir(), plan.resumeFrom());
            }
            this.cuda = plan.gpu() ? openGpu(teacherModel) : null;
        }

        /** The student (and an online teacher) on GPU 0, with the host's weights and moments. */
        private CudaTraining openGpu(CausalLm teacherModel) {
            try {
                CudaTraining gpu = new CudaTraining((TransformerLm) student, (TransformerLm) teacherModel, plan.vocab(),
                        plan.precision(), CudaTraining.DEFAULT_CHUNK_ROWS, plan.topk() == null ? 0 : plan.topk().k());
                gpu.upload(m, v);
                listener.onMessage("training on the GPU: " + gpu.describe() + ", " + plan.precision().key()
                        + " products, loss in chunks of " + CudaTraining.DEFAULT_CHUNK_ROWS + " positions");
                return gpu;
            } catch (CudaUnavailableException e) {
                throw new InvalidTrainingInputException("--device cuda: " + e.getMessage());
            } catch (jcuda.CudaException e) {
                throw new InvalidTrainingInputException("--device cuda: " + e.getMessage()
                        + " (out of GPU memory? lower --batch-size or raise --grad-accum)");
            }
        }

        @Override
        public void close() {
            if (cuda != null) {
                cuda.close();
            }
        }

        private CausalLm loadStudent() {
            CausalLm model = Files.isDirectory(o.student()) ? load(o.student(), "--student")
                    : HfCheckpoints.create(plan.studentConfig(), o.seed(), plan.threads());
            if (plan.lora() != null) {
                model.enableLora(plan.lora(), o.seed());
            }
            return model;
        }

        private CausalLm load(Path dir, String option) {
            try {
                return HfCheckpoints.load(dir, plan.threads());
            } catch (ModelFormatException e) {
                throw new InvalidTrainingInputException(e.getMessage(), e);
            }
        }

        /** The trainable tensors, their moments and the span weights as the checkpoint left them. */
        private void restore(Path dir, TrainingState state) throws IOException {
            Path weights = dir.resolve(plan.lora() != null ? HfCheckpoints.ADAPTER_WEIGHTS : HfCheckpoints.WEIGHTS);
            try (SafeTensorsReader w = SafeTensorsReader.open(weights);
                 SafeTensorsReader moments = SafeTensorsReader.open(dir.resolve(TrainingState.FOLDER).resolve(TrainingState.MOMENTS))) {
                for (int i = 0; i < trainable.size(); i++) {
                    Parameter p = trainable.get(i);
                    w.readFloats(p.name(), p.data());
                    moments.readFloats("exp_avg." + p.name(), m.get(i));
                    moments.readFloats("exp_avg_sq." + p.name(), v.get(i));
                }
                if (spanWeights != null) {
                    System.arraycopy(state.spanWeights(), 0, spanWeights.s, 0, SpanType.COUNT);
                    moments.readFloats("exp_avg.span_weights", spanWeights.m);
                    moments.readFloats("exp_avg_sq.span_weights", spanWeights.v);
                }
            }
            step = state.step();
            listener.onMessage("resuming " + o.out() + " from " + dir.getFileName() + " (step " + step + " of "
                    + plan.schedule().steps() + ")");
        }

        TrainingResult train(BooleanSupplier cancelled) throws IOException {
            Path out = o.out();
            Files.createDirectories(out);
            removeIncomplete(out);
            String title = "distillab train: " + out.getFileName();
            MetricsLog log = plan.resumeFrom() != null ? MetricsLog.resumed(out, title, step)
                    : MetricsLog.fresh(out, title);
            long steps = plan.schedule().steps();
            long lastCheckpoint = step;
            double lastLoss = log.history().isEmpty() ? Double.NaN : log.history().get(log.history().size() - 1).loss();
            for (EvalMetrics e : log.evals()) { // a resumed run: best/ holds the best of these
                bestLoss = Math.min(bestLoss, e.loss());
            }
            if (plan.heldOut().evaluates() && step == 0) {
                evaluate(log); // the starting point of the held-out curve
            }
            while (step < steps) {
                if (cancelled.getAsBoolean()) {
                    if (lastCheckpoint != step) {
                        checkpoint(out.resolve("checkpoint-" + step), true, false);
                    }
                    log.writeChart();
                    return new TrainingResult(step, steps, true, null, lastLoss);
                }
                StepMetrics metrics = step(step + 1);
                step++;
                lastLoss = metrics.loss();
                log.append(metrics);
                listener.onStep(metrics);
                // before the checkpoint of the same step, so a checkpoint never lacks its evaluation
                if (plan.heldOut().evaluates() && (step % plan.evalEvery() == 0 || step == steps)) {
                    evaluate(log);
                }
                if (step % plan.checkpointEvery() == 0 || step == steps || step % chartEvery(steps) == 0) {
                    log.writeChart();
                }
                if (step % plan.checkpointEvery() == 0) {
                    checkpoint(out.resolve("checkpoint-" + step), true, false);
                    lastCheckpoint = step;
                }
            }
            Path finalDir = out.resolve("final");
            checkpoint(finalDir, false, o.merge());
            log.writeChart();
            return new TrainingResult(step, steps, false, finalDir, lastLoss);
        }

        private static long chartEvery(long steps) {
            return Math.max(10, steps / 100); // a chart for a person watching, not per tiny step
        }

        /** One step; returns its metrics. Step counts from 1. */
        private StepMetrics step(long s) {
            long started = System.nanoTime();
            TrainingData data = plan.data();
            int[] rows = order.rows(s);
            int K = o.gradAccum();
            int micro = plan.microBatch();
            BatchLabels[] parts = new BatchLabels[K];
            int[][] partRows = new int[K][];
            long[] positions = new long[SpanType.COUNT];
            long[] supervised = new long[SpanType.COUNT];
            for (int k = 0; k < K; k++) {
                partRows[k] = Arrays.copyOfRange(rows, k * micro, (k + 1) * micro);
                parts[k] = new BatchLabels(data, partRows[k]);
                parts[k].addCounts(positions, supervised);
            }
            SpanCounts counts = new SpanCounts(positions, supervised);
            LossConfig config = spanWeights == null ? plan.loss() : spanWeights.scaled();
            double[] klSum = new double[SpanType.COUNT];
            double[] ceSum = new double[SpanType.COUNT];
            if (cuda != null) {
                cuda.zeroGrad();
            } else {
                student.zeroGrad();
            }
            for (int k = 0; k < K; k++) {
                if (parts[k].lossPositions().length > 0) { // no position: no loss, no gradient
                    partLoss(s, parts[k], partRows[k], counts, config, true, klSum, ceSum);
                }
            }
            SpanLosses losses = spanLosses(klSum, ceSum, positions, supervised);

            List<float[]> grads = new ArrayList<>();
            List<AdamW.Slot> slots = new ArrayList<>();
            for (int i = 0; i < trainable.size(); i++) {
                Parameter p = trainable.get(i);
                grads.add(p.grad());
                slots.add(new AdamW.Slot(p.name(), p.data(), p.grad(), m.get(i), v.get(i),
                        p.decays() ? plan.weightDecay() : 0));
            }
            if (spanWeights != null) {
                grads.add(spanWeights.grad);
                slots.add(new AdamW.Slot("span_weights", spanWeights.s, spanWeights.grad, spanWeights.m, spanWeights.v, 0));
            }
            double lr = plan.schedule().at(s - 1);
            double norm;
            if (cuda != null) {
                norm = gpuUpdate(s, lr);
            } else {
                norm = GradientClipping.clip(grads, plan.clip(), plan.threads());
                adam.step(s, lr, slots, plan.threads());
            }
            long tokens = data.tokenCount(rows);
            double seconds = (System.nanoTime() - started) / 1e9;
            return new StepMetrics(s, losses.loss(), losses.kl(), losses.ce(), lr, norm, tokens, tokens / seconds,
                    losses.klMean(), losses.ceMean());
        }

        /**
         * One part of a batch: the student's forward, the teacher's and the loss of its positions
         * (normalised by the whole batch's {@code counts}), adding each position's KL and CE to the
         * span sums in position order; with {@code backward} also the backward, which adds to the
         * gradients.
         */
        private void partLoss(long s, BatchLabels part, int[] rows, SpanCounts counts, LossConfig config,
                              boolean backward, double[] klSum, double[] ceSum) {
            int micro = plan.microBatch();
            int T = plan.data().length();
            int V = student.config().vocabSize();
            int vocab = plan.vocab();
            int[] at = part.lossPositions();
            double[] rowKl;
            double[] rowCe;
            if (cuda != null) {
                Teacher.Sparse sparse = plan.topk() != null ? (Teacher.Sparse) teacher.forPart(part, rows, vocab) : null;
                double[][] r = cuda.part(part, micro, T, sparse, config, counts, backward);
                rowKl = r[0];
                rowCe = r[1];
            } else {
                float[] logits = student.forward(part.modelTokens(), part.positions(), micro, T, backward);
                Teacher t = teacher.forPart(part, rows, vocab);
                LossInputs inputs = LossInputs.of(Gather.rows(logits, V, at, vocab), t, part.labels(), part.spans());
                try {
                    inputs.checkFinite(plan.threads());
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("step " + s + ": " + e.getMessage() + " (training diverged)", e);
                }
                LossResult r = loss.computePart(inputs, config, counts, backward);
                rowKl = r.rowKl();
                rowCe = r.rowCe();
                if (backward) {
                    Gather.scatter(r.gradient(), at, dLogits, V);
                    student.backward(dLogits);
                }
            }
            byte[] m = part.spans();
            int[] y = part.labels();
            for (int i = 0; i < at.length; i++) {
                klSum[m[i]] += rowKl[i];
                if (y[i] != LossInputs.IGNORE_INDEX) {
                    ceSum[m[i]] += rowCe[i];
                }
            }
        }

        /** SPEC 6's sums of span means and the reported loss, from the span sums and counts. */
        private record SpanLosses(double loss, double kl, double ce, double[] klMean, double[] ceMean) {
        }

        private SpanLosses spanLosses(double[] klSum, double[] ceSum, long[] positions, long[] supervised) {
            double[] klMean = new double[SpanType.COUNT];
            double[] ceMean = new double[SpanType.COUNT];
            double kl = 0;
            double ce = 0;
            for (int k = 0; k < SpanType.COUNT; k++) {
                klMean[k] = positions[k] == 0 ? 0 : klSum[k] / positions[k];
                ceMean[k] = supervised[k] == 0 ? 0 : ceSum[k] / supervised[k];
                kl += plan.loss().klWeight(k) * klMean[k];
                ce += plan.loss().ceWeight(k) * ceMean[k];
            }
            double loss = spanWeights == null ? kl + ce : spanWeights.objective(klMean, ceMean);
            return new SpanLosses(loss, kl, ce, klMean, ceMean);
        }

        /**
         * Evaluates the held-out rows, appends the line to eval.jsonl, tells the listener and, with
         * {@code --keep-best}, rewrites best/ when the loss is the lowest so far.
         */
        private void evaluate(MetricsLog log) throws IOException {
            EvalMetrics e = evaluate();
            log.append(e);
            listener.onEval(e);
            if (o.keepBest() && e.loss() < bestLoss) {
                bestLoss = e.loss();
                saveModel(o.out().resolve(BEST), o.merge(), e.toJson() + "\n");
                listener.onMessage(String.format(java.util.Locale.ROOT, "%s/ now holds the weights after step %d"
                        + " (held-out loss %.4f)", BEST, e.step(), e.loss()));
            }
        }

        /**
         * The held-out rows at the current parameters: every one of their loss positions, in
         * micro-batches of the training's shape (the last filled up with rows of padding), forward
         * and loss only (no gradient, no update); the span means are over all held-out positions at
         * once.
         */
        private EvalMetrics evaluate() {
            TrainingData data = plan.data();
            int[][] batches = plan.heldOut().evalBatches(plan.microBatch());
            BatchLabels[] parts = new BatchLabels[batches.length];
            long[] positions = new long[SpanType.COUNT];
            long[] supervised = new long[SpanType.COUNT];
            for (int b = 0; b < batches.length; b++) {
                parts[b] = new BatchLabels(data, batches[b]);
                parts[b].addCounts(positions, supervised);
            }
            SpanCounts counts = new SpanCounts(positions, supervised);
            LossConfig config = spanWeights == null ? plan.loss() : spanWeights.scaled();
            double[] klSum = new double[SpanType.COUNT];
            double[] ceSum = new double[SpanType.COUNT];
            for (int b = 0; b < batches.length; b++) {
                if (parts[b].lossPositions().length > 0) {
                    partLoss(step, parts[b], batches[b], counts, config, false, klSum, ceSum);
                }
            }
            SpanLosses losses = spanLosses(klSum, ceSum, positions, supervised);
            int[] held = plan.heldOut().eval();
            return new EvalMetrics(step, losses.loss(), losses.kl(), losses.ce(), held.length, data.tokenCount(held),
                    losses.klMean(), losses.ceMean());
        }

        /**
         * Clipping and AdamW of the GPU step: the device's tensors there, the learned span weights
         * (if any) here, with GradientClipping's norm over both in its order (the span weights last).
         */
        private double gpuUpdate(long s, double lr) {
            double squares = cuda.gradientNormSquared();
            if (spanWeights != null) {
                double part = 0;
                for (float g : spanWeights.grad) {
                    part += (double) g * g;
                }
                squares += part;
            }
            double norm = Math.sqrt(squares);
            boolean clipped = norm > plan.clip();
            float scale = clipped ? (float) (plan.clip() / (norm + 1e-6)) : 1f;
            cuda.adamw(s, lr, plan.weightDecay(), clipped, scale);
            if (spanWeights != null) {
                if (clipped) {
                    for (int i = 0; i < spanWeights.grad.length; i++) {
                        spanWeights.grad[i] *= scale;
                    }
                }
                adam.step(s, lr, List.of(new AdamW.Slot("span_weights", spanWeights.s, spanWeights.grad, spanWeights.m,
                        spanWeights.v, 0)), 1);
            }
            return norm;
        }

        /** Writes a checkpoint folder under a temporary name and renames it into place. */
        private void checkpoint(Path dir, boolean withState, boolean merged) throws IOException {
            write(dir, withState, merged, null);
            listener.onCheckpoint(step, dir);
        }

        /**
         * The model alone (no training state) and its evaluation ({@link #BEST_EVAL}), written as a
         * checkpoint is; not a point to resume from.
         */
        private void saveModel(Path dir, boolean merged, String evaluation) throws IOException {
            write(dir, false, merged, evaluation);
        }

        private void write(Path dir, boolean withState, boolean merged, String evaluation) throws IOException {
            if (cuda != null) {
                cuda.download(m, v);
            }
            Path tmp = dir.resolveSibling("." + dir.getFileName() + ".tmp");
            deleteTree(tmp);
            if (plan.lora() != null) {
                HfCheckpoints.saveLoraAdapter(student, tmp);
                if (merged) {
                    HfCheckpoints.saveMerged(student, tmp.resolve("merged"));
                    copyTokenizer(tmp.resolve("merged"));
                }
            } else {
                HfCheckpoints.save(student, tmp);
            }
            copyTokenizer(tmp);
            if (evaluation != null) {
                Files.writeString(tmp.resolve(BEST_EVAL), evaluation);
            }
            if (withState) {
                Path state = tmp.resolve(TrainingState.FOLDER);
                Files.createDirectories(state);
                Plan.stateOf(o, plan.schedule(), plan.orderName(), plan.lora(), step,
                        spanWeights == null ? null : spanWeights.s.clone(), plan.heldOut().eval().length).write(state);
                SafeTensorsWriter w = new SafeTensorsWriter();
                for (int i = 0; i < trainable.size(); i++) {
                    Parameter p = trainable.get(i);
                    w.add("exp_avg." + p.name(), p.shape(), m.get(i));
                    w.add("exp_avg_sq." + p.name(), p.shape(), v.get(i));
                }
                if (spanWeights != null) {
                    w.add("exp_avg.span_weights", new int[] {SpanType.COUNT}, spanWeights.m);
                    w.add("exp_avg_sq.span_weights", new int[] {SpanType.COUNT}, spanWeights.v);
                }
                w.write(state.resolve(TrainingState.MOMENTS), Map.of("step", Long.toString(step)));
            }
            Path old = dir.resolveSibling("." + dir.getFileName() + ".old");
            deleteTree(old);
            if (Files.exists(dir)) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        }

        private void copyTokenizer(Path dir) throws IOException {
            if (!Files.isDirectory(o.student())) {
                return;
            }
            for (String name : TOKENIZER_FILES) {
                Path file = o.student().resolve(name);
                if (Files.isRegularFile(file)) {
                    Files.copy(file, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }

        /** Leftovers of a killed run: temporary checkpoint folders and files. */
        private static void removeIncomplete(Path out) throws IOException {
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith(".") && (n.endsWith(".tmp") || n.endsWith(".old"))) {
                        deleteTree(p);
                    }
                }
            }
        }

        private static void deleteTree(Path p) throws IOException {
            if (!Files.exists(p)) {
                return;
            }
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(q);
                }
            }
        }
    }
}
