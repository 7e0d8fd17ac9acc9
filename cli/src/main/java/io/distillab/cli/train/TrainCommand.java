package io.distillab.cli.train;

import io.distillab.cli.ExitCodes;
import io.distillab.cli.server.RemoteTraining;
import io.distillab.cli.server.ServerToken;
import io.distillab.cli.server.TrainerServerClient;
import io.distillab.training.data.DataException;
import io.distillab.training.loss.SpanType;
import io.distillab.training.model.ModelFormatException;
import io.distillab.training.train.InvalidTrainingInputException;
import io.distillab.training.train.StepMetrics;
import io.distillab.training.train.EvalMetrics;
import io.distillab.training.train.TrainOptions;
import io.distillab.training.train.Trainer;
import io.distillab.training.train.TrainingListener;
import io.distillab.training.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab train}: trains a student with the span-masked loss (SPEC sections 6-8) through
 * {@link Trainer}, printing a progress line per step on stderr. Bad input: exit code 2 and one
 * line; nothing is written under --out then.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a student (gpt2, llama, qwen2, qwen3) on token sequences with span-level distillation.",
                "Writes DIR/metrics.jsonl (one JSON object per step), DIR/eval.jsonl (with --eval-fraction), DIR/loss.svg, "
                        + "DIR/checkpoint-{step}/ and DIR/final/ (HF layout; with --lora a PEFT adapter, and merged/ with --merge)."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--student", required = true, paramLabel = "DIR|CONFIG.json",
            description = "A checkpoint folder, or a config.json to create a student with random weights.")
    Path student;

    @Option(names = "--tokens", paramLabel = "TOKENS.npy", description = "int32/int64 [rows, L], one sequence per row, right-padded with -1.")
    Path tokens;

    @Option(names = "--spans", paramLabel = "SPANS.npy", description = "int8/int32 [rows, L]: span type per token (0 reason, 1 action, 2 observation, 3 other).")
    Path spans;

    @Option(names = "--data", arity = "1..*", paramLabel = "FILE",
            description = {"Trajectory files (a folder for ToolBench answer files), prepared first as distillab prepare does",
                "(kept in DIR/prepared/), or one folder written by distillab prepare."})
    List<Path> data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Format of the --data files (default: detected per file).")
    String format;

    @Option(names = "--tokenizer", paramLabel = "DIR|gpt2", description = "Tokenizer for --data files (default: the student's folder).")
    String tokenizer;

    @Option(names = "--context", paramLabel = "L", defaultValue = "1024", description = "Tokens per row for --data files (default 1024).")
    int context;

    @Option(names = "--truncate", description = "With --data files: keep only the first window of a longer sequence.")
    boolean truncate;

    @Option(names = "--curriculum", description = "Competence-based curriculum (SPEC 7): easiest rows first.")
    boolean curriculum;

    @Option(names = "--curriculum-start", paramLabel = "C0", description = "Starting competence (default 0.2).")
    Double curriculumStart;

    @Option(names = "--curriculum-steps", paramLabel = "S", description = "Steps until every row is drawable (default half of --steps).")
    Long curriculumSteps;

    @Option(names = "--teacher", paramLabel = "DIR", description = "Online teacher: a checkpoint of the same tokenizer, run forward on the same tokens.")
    Path teacher;

    @Option(names = "--teacher-topk", paramLabel = "IDX.npy,LOGP.npy", description = "Stored teacher: top-k indices and log-probabilities [rows, L, k].")
    String teacherTopk;

    @Option(names = "--preset", paramLabel = "sad|kd|sft", description = "Loss weights (default: sad with a teacher, sft without).")
    String preset;

    @Option(names = "--alpha", paramLabel = "A", description = "KD's mixing weight (kd only; default 0.5).")
    Double alpha;

    @Option(names = "--temperature", paramLabel = "T", description = "Temperature (default: the preset's).")
    Double temperature;

    @Option(names = "--w-kl", paramLabel = "R,A,O,X", description = "KL weights per span type.")
    String klWeights;

    @Option(names = "--w-ce", paramLabel = "R,A,O,X", description = "CE weights per span type.")
    String ceWeights;

    @Option(names = "--learn-span-weights", description = "Uncertainty-weighted spans: learnable s_k (SPEC 8).")
    boolean learnSpanWeights;

    @Option(names = "--lora", description = "Train LoRA adapters of every attention and MLP projection; base weights frozen.")
    boolean lora;

    @Option(names = "--lora-rank", paramLabel = "R", description = "LoRA rank (default 16).")
    Integer loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha (default 32).")
    Double loraAlpha;

    @Option(names = "--merge", description = "With --lora: also write final/merged/, a full checkpoint.")
    boolean merge;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Optimizer steps.")
    long steps;

    @Option(names = "--batch-size", required = true, paramLabel = "B", description = "Rows per step.")
    int batchSize;

    @Option(names = "--grad-accum", paramLabel = "K", defaultValue = "1", description = "Micro-batches per step (default 1).")
    int gradAccum;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 3e-4, 2e-4 with --lora).")
    Double lr;

    @Option(names = "--warmup", paramLabel = "W", description = "Warm-up steps (default min(100, steps/10), at least 1).")
    Integer warmup;

    @Option(names = "--clip", paramLabel = "C", description = "Global gradient-norm clip (default 1.0).")
    Double clip;

    @Option(names = "--weight-decay", paramLabel = "L", description = "AdamW decay of tensors of 2+ dimensions (default 0.1).")
    Double weightDecay;

    @Option(names = "--order", paramLabel = "file|shuffle", defaultValue = "shuffle", description = "Data order (default shuffle: a seeded permutation per epoch).")
    String order;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the data order, a new student's weights and LoRA (default 0).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--checkpoint-every", paramLabel = "K", description = "Steps between checkpoints (default 100).")
    Integer checkpointEvery;

    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint.")
    boolean resume;

    @Option(names = "--eval-fraction", paramLabel = "F", description = "Hold out this fraction of the rows (seeded by "
            + "--seed) and report their loss, per span, in DIR/eval.jsonl and loss.svg (default 0: none).")
    Double evalFraction;

    @Option(names = "--eval-rows", paramLabel = "N", description = "Hold out N rows instead of a fraction (an "
            + "evaluation is a forward pass over every held-out row).")
    Integer evalRows;

    @Option(names = "--eval-every", paramLabel = "K", description = "Steps between evaluations of the held-out rows "
            + "(default: --checkpoint-every); also before the first step and after the last.")
    Integer evalEvery;

    @Option(names = "--keep-best", description = "With --eval-fraction: keep DIR/best/, the weights of the evaluation "
            + "with the lowest held-out loss (its line in best/eval.json).")
    boolean keepBest;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", defaultValue = "auto", description = "Where to train "
            + "(default auto: the GPU when the CUDA driver and a device are there, else the CPU; one log line says which).")
    String device;

    @Option(names = "--precision", paramLabel = "fp32|tf32|bf16", description = "The GPU's matrix products: bf16 "
            + "(default on the GPU; float32 master weights and moments), tf32 or fp32. The CPU trains in fp32.")
    String precision;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all processors).")
    Integer threads;

    @Option(names = "--server", paramLabel = "URL", description = "Train on trainer-service at URL: the job is submitted "
            + "with the --data file, its progress follows on stderr, and the student is unzipped into --out. "
            + "--student, --teacher and --teacher-topk then name folders of the service's model store "
            + "(--student CONFIG.json: a new student from this local config).")
    java.net.URI server;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "With --server: API key or JWT (default: $DISTILLAB_TOKEN; for a server on this machine, "
                    + "its local admin key in ~/.distillab/trainer-service/admin-key).")
    String token;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (server != null) {
            return remote(err);
        }
        Path prepared = null;
        try {
            TrainOptions options = options();
            if (trajectoryData()) {
                prepared = TrajectoryTraining.prepare(data, format, tokenizer, student, context, truncate, out, threads, err);
                options = options.toBuilder().data(List.of(prepared)).build();
            }
            Progress progress = new Progress(err, steps);
            TrainingResult result = new Trainer().run(options, progress, () -> false);
            if (prepared != null) {
                TrajectoryTraining.keep(prepared, out);
                prepared = null;
            }
            err.println("distillab: trained " + result.lastStep() + " steps; final model in " + result.finalDir());
            if (progress.firstEval != null) {
                err.printf(Locale.ROOT, "distillab: held-out loss %.4f after step %d, %.4f after step %d; lowest %.4f"
                                + " after step %d%s%n", progress.firstEval.loss(), progress.firstEval.step(),
                        progress.lastEval.loss(), progress.lastEval.step(), progress.bestEval.loss(),
                        progress.bestEval.step(), keepBest ? " (its weights in " + out.resolve("best") + ")" : "");
            }
            err.flush();
            return ExitCodes.OK;
        } catch (InvalidTrainingInputException | ModelFormatException | DataException e) {
            return fail(err, e.getMessage());
        } catch (OutOfMemoryError e) {
            return fail(err, "out of memory (" + e.getMessage() + "): lower --batch-size, raise --grad-accum or -Xmx");
        } finally {
            TrajectoryTraining.discard(prepared);
        }
    }

    /** {@code --server}: the same job on trainer-service. */
    private int remote(PrintWriter err) {
        try {
            if (tokens != null || spans != null) {
                return fail(err, "--server takes the trajectory file as --data FILE, not --tokens/--spans");
            }
            if (data == null || data.size() != 1 || !Files.isRegularFile(data.get(0))) {
                return fail(err, "--server needs one trajectory file as --data FILE"
                        + (data != null && data.size() == 1 ? ": " + data.get(0) + " is not a file" : ""));
            }
            if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
                return fail(err, "--out " + out + ": exists already (the student is unzipped into a new folder)");
            }
            if (Files.isDirectory(out)) {
                Files.delete(out);
            }
            RemoteTraining.Ending end = RemoteTraining.run(new TrainerServerClient(server,
                    ServerToken.resolve(token, server, ServerToken.TRAINER).orElse(null)), jobParameters(), data.get(0),
                    out, new Progress(err, steps), err);
            if (!end.status().equals("succeeded")) {
                err.println("distillab: error: job " + end.id() + " " + end.status() + " after step " + end.step()
                        + (end.error() == null ? "" : ": " + end.error()));
                err.flush();
                return 1;
            }
            err.println("distillab: trained " + end.step() + " steps on " + server + " (job " + end.id()
                    + "); final model in " + out);
            err.flush();
            return ExitCodes.OK;
        } catch (IOException | InvalidTrainingInputException e) {
            return fail(err, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(err, "interrupted");
        }
    }

    /** The options as trainer-service's job parameters (only those given; the service applies the defaults). */
    private com.fasterxml.jackson.databind.node.ObjectNode jobParameters() throws IOException {
        var p = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        String s = student.toString();
        if (s.endsWith(".json") && Files.isRegularFile(student)) {
            p.set("studentConfig", new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(student)));
        } else {
            p.put("student", s);
        }
        if (format != null) {
            p.put("format", format);
        }
        if (tokenizer != null) {
            p.put("tokenizer", tokenizer);
        }
        p.put("context", context);
        if (truncate) {
            p.put("truncate", true);
        }
        if (curriculum) {
            p.put("curriculum", true);
        }
        if (curriculumStart != null) {
            p.put("curriculumStart", curriculumStart);
        }
        if (curriculumSteps != null) {
            p.put("curriculumSteps", curriculumSteps);
        }
        if (teacher != null) {
            p.put("teacher", teacher.toString());
        }
        if (teacherTopk != null) {
            p.put("teacherTopk", teacherTopk);
        }
        if (preset != null) {
            p.put("preset", preset);
        }
        if (alpha != null) {
            p.put("alpha", alpha);
        }
        if (temperature != null) {
            p.put("temperature", temperature);
        }
        if (klWeights != null || ceWeights != null) {
            var kl = p.putArray("wKl");
            for (double w : table("--w-kl", klWeights)) {
                kl.add(w);
            }
            var ce = p.putArray("wCe");
            for (double w : table("--w-ce", ceWeights)) {
                ce.add(w);
            }
        }
        if (learnSpanWeights) {
            p.put("learnSpanWeights", true);
        }
        if (lora) {
            p.put("lora", true);
        }
        if (loraRank != null) {
            p.put("loraRank", loraRank);
        }
        if (loraAlpha != null) {
            p.put("loraAlpha", loraAlpha);
        }
        if (merge) {
            p.put("merge", true);
        }
        p.put("steps", steps).put("batchSize", batchSize).put("gradAccum", gradAccum);
        if (lr != null) {
            p.put("lr", lr);
        }
        if (warmup != null) {
            p.put("warmup", warmup);
        }
        if (clip != null) {
            p.put("clip", clip);
        }
        if (weightDecay != null) {
            p.put("weightDecay", weightDecay);
        }
        if (!curriculum) {
            p.put("order", order);
        }
        p.put("seed", seed);
        if (checkpointEvery != null) {
            p.put("checkpointEvery", checkpointEvery);
        }
        if (evalFraction != null) {
            p.put("evalFraction", evalFraction);
        }
        if (evalRows != null) {
            p.put("evalRows", evalRows);
        }
        if (evalEvery != null) {
            p.put("evalEvery", evalEvery);
        }
        if (keepBest) {
            p.put("keepBest", true);
        }
        p.put("device", device);
        if (threads != null) {
            p.put("threads", threads);
        }
        return p;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Whether --data names trajectory files (to prepare here) rather than one prepared folder. */
    private boolean trajectoryData() {
        return data != null && !data.isEmpty()
                && !(data.size() == 1 && java.nio.file.Files.isRegularFile(data.get(0).resolve("tokens.npy")));
    }

    private static int fail(PrintWriter err, String message) {
        err.println("distillab: error: " + (message == null ? "unknown error" : message.replaceAll("\\s*\\R\\s*", " ").trim()));
        err.flush();
        return ExitCodes.BAD_INPUT;
    }

    private TrainOptions options() {
        Path index = null;
        Path logProb = null;
        if (teacherTopk != null) {
            String[] parts = teacherTopk.split(",");
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new InvalidTrainingInputException("--teacher-topk needs two files, IDX.npy,LOGP.npy; got '"
                        + teacherTopk + "'");
            }
            index = Path.of(parts[0].trim());
            logProb = Path.of(parts[1].trim());
        }
        if (!curriculum && (curriculumStart != null || curriculumSteps != null)) {
            throw new InvalidTrainingInputException("--curriculum-start and --curriculum-steps go with --curriculum");
        }
        if (curriculum && spec.commandLine().getParseResult().hasMatchedOption("--order")) {
            throw new InvalidTrainingInputException("--curriculum is a data order of its own: drop --order");
        }
        if (!trajectoryData() && (format != null || tokenizer != null || truncate)) {
            throw new InvalidTrainingInputException("--format, --tokenizer and --truncate go with --data trajectory files");
        }
        if (alpha != null && (klWeights != null || ceWeights != null)) {
            throw new InvalidTrainingInputException("--alpha conflicts with --w-kl/--w-ce (give the weight tables or alpha, not both)");
        }
        if ((klWeights == null) != (ceWeights == null)) {
            throw new InvalidTrainingInputException("--w-kl and --w-ce go together");
        }
        return TrainOptions.builder().student(student).tokens(tokens, spans).data(data).teacher(teacher)
                .teacherTopk(index, logProb).preset(preset).alpha(alpha).temperature(temperature)
                .weights(table("--w-kl", klWeights), table("--w-ce", ceWeights)).learnSpanWeights(learnSpanWeights)
                .lora(lora).loraRank(loraRank).loraAlpha(loraAlpha).merge(merge).steps(steps).batchSize(batchSize)
                .gradAccum(gradAccum).lr(lr).warmup(warmup).clip(clip).weightDecay(weightDecay).seed(seed)
                .out(out).checkpointEvery(checkpointEvery).resume(resume).device(device).precision(precision).threads(threads)
                .order(curriculum ? "curriculum" : order).curriculum(curriculumStart, curriculumSteps)
                .evaluation(evalFraction, evalEvery).evalRows(evalRows).keepBest(keepBest).build();
    }

    private static double[] table(String option, String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split(",", -1);
        if (parts.length != SpanType.COUNT) {
            throw new InvalidTrainingInputException(option + ": needs 4 comma-separated weights (reason,action,observation,other), got '"
                    + text + "'");
        }
        double[] out = new double[SpanType.COUNT];
        for (int k = 0; k < SpanType.COUNT; k++) {
            try {
                out[k] = Double.parseDouble(parts[k].trim());
            } catch (NumberFormatException e) {
                throw new InvalidTrainingInputException(option + ": '" + parts[k].trim() + "' is not a number");
            }
        }
        return out;
    }

    /** The progress line on stderr: step, loss, per-span KL/CE, tokens/s, ETA. */
    static final class Progress implements TrainingListener {
        private final PrintWriter err;
        private final long steps;
        private final long started = System.nanoTime();
        private long firstStep = -1;
        /** The first, the latest and the lowest evaluation of the held-out rows this run reported. */
        EvalMetrics firstEval, lastEval, bestEval;

        Progress(PrintWriter err, long steps) {
            this.err = err;
            this.steps = steps;
        }

        @Override
        public void onStep(StepMetrics m) {
            if (firstStep < 0) {
                firstStep = m.step();
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            double perStep = elapsed / (m.step() - firstStep + 1);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "step %d/%d  loss %.4f", m.step(), steps, m.loss()));
            for (SpanType k : SpanType.values()) {
                line.append(String.format(Locale.ROOT, "  %s kl %.4f ce %.4f", k.key(), m.spanKl()[k.code()],
                        m.spanCe()[k.code()]));
            }
            line.append(String.format(Locale.ROOT, "  %.0f tok/s  ETA %s", m.tokensPerSecond(),
                    duration(perStep * (steps - m.step()))));
            err.println(line);
            err.flush();
        }

        @Override
        public void onEval(EvalMetrics e) {
            firstEval = firstEval == null ? e : firstEval;
            lastEval = e;
            bestEval = bestEval == null || e.loss() < bestEval.loss() ? e : bestEval;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "held-out after step %d: loss %.4f",
                    e.step(), e.loss()));
            for (SpanType k : SpanType.values()) {
                line.append(String.format(Locale.ROOT, "  %s kl %.4f ce %.4f", k.key(), e.spanKl()[k.code()],
                        e.spanCe()[k.code()]));
            }
            err.println(line.append(String.format(Locale.ROOT, "  (%d rows, %d tokens)", e.rows(), e.tokens())));
            err.flush();
        }

        @Override
        public void onCheckpoint(long step, Path dir) {
            err.println("distillab: checkpoint " + dir);
            err.flush();
        }

        @Override
        public void onMessage(String line) {
            err.println("distillab: " + line);
            err.flush();
        }

        static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                    : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
        }
    }
}
