package io.distillab.training.train;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;

import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.LaunchProfile;
import io.distillab.training.cuda.LaunchTotals;
import io.distillab.training.loss.CpuSpanMaskedLoss;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.SpanCounts;
import io.distillab.training.loss.SpanType;
import io.distillab.training.loss.Teacher;
import io.distillab.training.model.CudaTransformerLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Parameter;
import io.distillab.training.model.Precision;
import io.distillab.training.model.TransformerLm;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The GPU training step checked against the CPU engine, and timed (run on a GPU machine by
 * training-engine/gpu/train-check.sh through {@code distillab bench gpu-train}). Each check
 * prints one line {@code check <what> ... err=E tol=T PASS|FAIL}; errors are ‖gpu − cpu‖ / ‖cpu‖.
 *
 * <p>Tolerances, stated once (llm.c's test_gpt2.cu states fp32 logits 1e-3 and loss 1e-5):
 * <ul>
 * <li>FP32 products: per-position KL and CE parts 1e-5, every tensor's gradient 1e-3 (float32
 *     sums in another order through 2 layers' backward);</li>
 * <li>TF32 products (10-bit mantissa operands): parts 2e-3, gradients 2e-2;</li>
 * <li>BF16 products (8-bit mantissa operands and activations): parts 2e-2, gradients 1e-1;</li>
 * <li>the optimizer on the same gradients: 0 (bit-identical, the kernel rounds as Java does);</li>
 * <li>ten training steps, FP32: each step's loss 1e-4 relative to the CPU run's;</li>
 * <li>GPU resume: the resumed run's losses and final weights equal the uninterrupted run's, tolerance 0.</li>
 * </ul>
 */
public final class CudaTrainingCheck {
    private final PrintStream out;
    private int failures;
    private int checks;

    public CudaTrainingCheck(PrintStream out) {
        this.out = out;
    }

    public int failures() {
        return failures;
    }

    public int checks() {
        return checks;
    }

    static double partTolerance(Precision p) {
        return switch (p) {
            case FP32 -> 1e-5;
            case TF32 -> 2e-3;
            case BF16 -> 2e-2;
        };
    }

    static double gradientTolerance(Precision p) {
        return switch (p) {
            case FP32 -> 1e-3;
            case TF32 -> 2e-2;
            case BF16 -> 1e-1;
        };
    }

    /** Tiny configurations of the four families: GPT-2, Llama (GQA, untied), Qwen2 (q/k/v biases), Qwen3 (q/k norm). */
    public static List<String[]> tinyFamilies() {
        return List.of(
                new String[] {"gpt2", "{\"model_type\":\"gpt2\",\"vocab_size\":97,\"n_embd\":32,\"n_layer\":2,\"n_head\":4,"
                        + "\"n_positions\":64}"},
                new String[] {"llama", "{\"model_type\":\"llama\",\"vocab_size\":101,\"hidden_size\":32,\"intermediate_size\":48,"
                        + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
                        + "\"max_position_embeddings\":64,\"rms_norm_eps\":1e-5,\"tie_word_embeddings\":false}"},
                new String[] {"qwen2", "{\"model_type\":\"qwen2\",\"vocab_size\":103,\"hidden_size\":32,\"intermediate_size\":40,"
                        + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":1,"
                        + "\"max_position_embeddings\":64,\"rms_norm_eps\":1e-6,\"rope_theta\":1000000.0,"
                        + "\"tie_word_embeddings\":true}"},
                new String[] {"qwen3", "{\"model_type\":\"qwen3\",\"vocab_size\":107,\"hidden_size\":32,\"intermediate_size\":64,"
                        + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"head_dim\":16,"
                        + "\"max_position_embeddings\":64,\"rms_norm_eps\":1e-6,\"rope_theta\":1000000.0,"
                        + "\"tie_word_embeddings\":true}"});
    }

    // ------------------------------------------------------------------ one step, CPU against GPU

    /**
     * One micro-batch of B rows of T positions (two packed sequences and padding per row, spans of
     * all four types, some positions without a label) through forward, the loss with an online
     * teacher (SAD preset, T = 2) or none (SFT), and backward on both engines; compares every
     * position's KL and CE and every tensor's gradient; then one clip + AdamW on the CPU's
     * gradients on both engines, compared bit for bit.
     */
    public void checkStep(String name, ModelConfig cfg, Precision precision, CudaTransformerLm.Attention attention, int B,
                          int T, String teacherKind, int chunkRows, long seed) throws CudaUnavailableException {
        boolean withTeacher = !teacherKind.equals("none");
        boolean sparseTeacher = teacherKind.equals("sparse");
        int threads = Runtime.getRuntime().availableProcessors();
        TransformerLm student = (TransformerLm) HfCheckpoints.create(cfg, seed, threads);
        TransformerLm teacher = teacherKind.equals("dense") ? (TransformerLm) HfCheckpoints.create(cfg, seed + 1, threads)
                : null;
        int V = cfg.vocabSize();
        int vocab = V - 3; // the loss sees fewer columns than the model has (student/teacher vocab differ)
        TrainingData data = randomData(B, T, vocab, seed);
        int[] rows = new int[B];
        Arrays.setAll(rows, i -> i);
        BatchLabels part = new BatchLabels(data, rows);
        long[] positions = new long[SpanType.COUNT];
        long[] supervised = new long[SpanType.COUNT];
        part.addCounts(positions, supervised);
        SpanCounts counts = new SpanCounts(positions, supervised);
        LossConfig config = LossConfig.of(withTeacher ? Preset.SAD : Preset.SFT);
        int[] at = part.lossPositions();

        // CPU: full logits, gathered rows, the CPU loss, the backward
        float[] logits = student.forward(part.modelTokens(), part.positions(), B, T, true);
        Teacher t = new Teacher.None();
        Teacher.Sparse sparse = null;
        if (sparseTeacher) {
            // k = 5 distinct indices per position with random log-probabilities, one of them -inf
            int k = 5;
            SplittableRandom random = new SplittableRandom(seed + 2);
            int[] index = new int[at.length * k];
            float[] logProb = new float[at.length * k];
            for (int i = 0; i < at.length; i++) {
                int first = random.nextInt(vocab);
                for (int j = 0; j < k; j++) {
                    index[i * k + j] = (first + j * 7) % vocab;
                    logProb[i * k + j] = j == k - 1 && i % 3 == 0 ? Float.NEGATIVE_INFINITY
                            : (float) (-1 - 3 * random.nextDouble());
                }
            }
            sparse = new Teacher.Sparse(k, index, logProb);
            t = sparse;
        }
        if (teacher != null) {
            float[] tl = teacher.forward(part.modelTokens(), part.positions(), B, T, false);
            t = new Teacher.Dense(Gather.rows(tl, V, at, vocab));
        }
        LossInputs inputs = LossInputs.of(Gather.rows(logits, V, at, vocab), t, part.labels(), part.spans());
        LossResult r = new CpuSpanMaskedLoss(threads).computePart(inputs, config, counts, true);
        float[] dLogits = new float[B * T * V];
        Gather.scatter(r.gradient(), at, dLogits, V);
        student.zeroGrad();
        student.backward(dLogits);

        String label = name + " " + precision.key() + " " + attention.name().toLowerCase(Locale.ROOT) + " B=" + B
                + " T=" + T + " teacher=" + teacherKind + " chunk=" + chunkRows;
        try (CudaTraining gpu = new CudaTraining(student, teacher, vocab, precision, chunkRows,
                sparse == null ? 0 : sparse.k(), attention)) {
            gpu.zeroGrad();
            double[][] parts = gpu.part(part, B, T, sparse, config, counts);
            if (withTeacher) {
                report("kl " + label, relative(parts[0], r.rowKl()), partTolerance(precision));
            }
            report("ce " + label, relative(parts[1], r.rowCe()), partTolerance(precision));
            List<float[]> gpuGrads = gpu.downloadGradients();
            List<Parameter> params = student.trainableParameters();
            double worst = 0;
            String worstName = "";
            for (int i = 0; i < params.size(); i++) {
                double e = relative(gpuGrads.get(i), params.get(i).grad());
                out.printf(Locale.ROOT, "detail grad %s %s err=%.3e%n", label, params.get(i).name(), e);
                if (!(e <= worst)) {
                    worst = e;
                    worstName = params.get(i).name();
                }
            }
            report("grad " + label + " worst=" + worstName, worst, gradientTolerance(precision));

            // The held-out evaluation's pass (forward and loss only, one block's buffers): the same
            // KL and CE bit for bit (the same kernels on the same inputs, no atomics), no gradient added.
            double[][] forwardOnly = gpu.part(part, B, T, sparse, config, counts, false);
            report("eval " + label + " (bits)", Math.max(relative(forwardOnly[0], parts[0]),
                    relative(forwardOnly[1], parts[1])), 0);
            List<float[]> afterEval = gpu.downloadGradients();
            double moved = 0;
            for (int i = 0; i < params.size(); i++) {
                moved = Math.max(moved, relative(afterEval.get(i), gpuGrads.get(i)));
            }
            report("eval adds no gradient " + label + " (bits)", moved, 0);

            // The optimizer on the same (CPU) gradients: clip and AdamW, compared bit for bit.
            List<float[]> cpuGrads = new ArrayList<>();
            for (Parameter p : params) {
                cpuGrads.add(p.grad().clone());
            }
            gpu.uploadGradients(cpuGrads);
            double clip = 0.5;
            double lr = 3e-3;
            double gpuNorm = Math.sqrt(gpu.gradientNormSquared());
            boolean clipped = gpuNorm > clip;
            gpu.adamw(1, lr, 0.1, clipped, clipped ? (float) (clip / (gpuNorm + 1e-6)) : 1f);
            List<float[]> grads = new ArrayList<>();
            List<AdamW.Slot> slots = new ArrayList<>();
            for (Parameter p : params) {
                grads.add(p.grad());
                slots.add(new AdamW.Slot(p.name(), p.data(), p.grad(), new float[p.size()], new float[p.size()],
                        p.decays() ? 0.1 : 0));
            }
            double cpuNorm = GradientClipping.clip(grads, clip, threads);
            new AdamW().step(1, lr, slots, threads);
            report("norm " + label, Math.abs(gpuNorm - cpuNorm) / cpuNorm, 1e-12);
            float[][] updated = new float[params.size()][];
            for (int i = 0; i < params.size(); i++) {
                updated[i] = params.get(i).data().clone();
            }
            gpu.student().download();
            double differing = 0;
            for (int i = 0; i < params.size(); i++) {
                if (!Arrays.equals(updated[i], params.get(i).data())) {
                    differing = Math.max(differing, relative(params.get(i).data(), updated[i]));
                }
            }
            report("adamw " + label + " (bits)", differing, 0);
        }
    }

    /**
     * Rows of two packed sequences then padding: positions restart at 0, tokens below
     * {@code vocab}, spans cycling through the four types, one label in seven ignored.
     */
    static TrainingData randomData(int B, int T, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[B * T];
        byte[] spans = new byte[B * T];
        int[] positions = new int[B * T];
        for (int b = 0; b < B; b++) {
            int used = T - random.nextInt(Math.max(1, T / 4));
            int first = Math.max(1, used / 2 - random.nextInt(Math.max(1, T / 8)));
            for (int t = 0; t < T; t++) {
                int n = b * T + t;
                if (t < used) {
                    tokens[n] = random.nextInt(vocab);
                    positions[n] = t < first ? t : t - first;
                    spans[n] = (byte) ((t / 3 + b) % SpanType.COUNT);
                } else {
                    tokens[n] = TrainingData.PADDING;
                    positions[n] = TrainingData.PADDING;
                }
            }
        }
        return new TrainingData(tokens, spans, positions, B, T, "random data (seed " + seed + ")");
    }

    // ------------------------------------------------------------------ training runs

    /**
     * Ten steps of `distillab train` on the CPU and on the GPU (FP32) from the same random student
     * and data: each step's loss within 1e-4. Then on the GPU, ten steps straight against five,
     * a stop, and a resume to ten: losses and final weights identical.
     */
    public void checkRuns(String name, String configJson, Path work, long seed) throws IOException {
        Files.createDirectories(work);
        Path config = work.resolve(name + "-config.json");
        Files.writeString(config, configJson);
        ModelConfig cfg = ModelConfig.parse(configJson, name);
        TrainingData data = randomData(16, 24, cfg.vocabSize(), seed);
        Path tokens = work.resolve(name + "-tokens.npy");
        Path spans = work.resolve(name + "-spans.npy");
        int[] tok = data.tokens().clone();
        NpyWriter.write(tokens, NpyArray.of(tok, data.rows(), data.length()));
        NpyWriter.write(spans, NpyArray.of(data.spans(), data.rows(), data.length()));
        TrainOptions.Builder base = TrainOptions.builder().student(config).tokens(tokens, spans).preset("sft")
                .steps(10).batchSize(8).gradAccum(2).lr(3e-3).seed(seed).checkpointEvery(5);
        double[] cpu = losses(base.build().toBuilder().device("cpu").out(work.resolve(name + "-cpu")).build(), -1);
        double[] gpu = losses(base.build().toBuilder().device("cuda").precision("fp32")
                .out(work.resolve(name + "-gpu")).build(), -1);
        double worst = 0;
        for (int i = 0; i < cpu.length; i++) {
            worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]) / Math.abs(cpu[i]));
        }
        report("run " + name + " fp32 10 steps loss", worst, 1e-4);
        out.printf(Locale.ROOT, "losses %s cpu %s%nlosses %s gpu %s%n", name, Arrays.toString(cpu), name,
                Arrays.toString(gpu));

        Path resumed = work.resolve(name + "-gpu-resumed");
        double[] first = losses(base.build().toBuilder().device("cuda").precision("bf16").out(resumed).build(), 5);
        double[] second = losses(base.build().toBuilder().device("cuda").precision("bf16").out(resumed).resume(true).build(), -1);
        Path straight = work.resolve(name + "-gpu-straight");
        double[] whole = losses(base.build().toBuilder().device("cuda").precision("bf16").out(straight).build(), -1);
        double[] joined = new double[whole.length];
        System.arraycopy(first, 0, joined, 0, 5);
        System.arraycopy(second, 0, joined, 5, whole.length - 5);
        double diff = 0;
        for (int i = 0; i < whole.length; i++) {
            diff = Math.max(diff, Math.abs(joined[i] - whole[i]));
        }
        boolean sameWeights = Arrays.equals(Files.readAllBytes(straight.resolve("final").resolve(HfCheckpoints.WEIGHTS)),
                Files.readAllBytes(resumed.resolve("final").resolve(HfCheckpoints.WEIGHTS)));
        report("resume " + name + " bf16 5+5 vs 10 loss", diff, 0);
        report("resume " + name + " bf16 final weights differ", sameWeights ? 0 : 1, 0);
    }

    /** The losses of a run, stopped (as by a cancel) after {@code stopAfter} steps when >= 0. */
    private double[] losses(TrainOptions o, int stopAfter) {
        List<Double> losses = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        new Trainer().run(o, new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                losses.add(m.loss());
                if (stopAfter >= 0 && m.step() >= stopAfter) {
                    stop.set(true);
                }
            }

            @Override
            public void onCheckpoint(long step, Path dir) {
            }

            @Override
            public void onMessage(String line) {
                out.println("  " + line);
            }
        }, stop::get);
        return losses.stream().mapToDouble(Double::doubleValue).toArray();
    }

    // ------------------------------------------------------------------ timing

    /**
     * One timed configuration's figures; with profiled steps also their device time by launch name
     * and their median wall time (slower than {@code msPerStep}: two events a launch), else null and 0.
     */
    public record Timing(String model, String precision, String attention, int B, int T, double msPerStep, double tokensPerSecond,
                         double mfu, long parameters, double[] phaseMillis, LaunchTotals launches, int profiledSteps,
                         double profiledMsPerStep) {
    }

    /**
     * Full training steps (forward, chunked loss, backward, clip, AdamW) of a random model on
     * random tokens (SFT): median wall time over {@code steps} after two warm-up steps, the GPU
     * synchronised before each clock read. MFU counts 6 x parameters + 12 x L x C x T FLOPs per
     * token (PaLM's count, as llm.c reports it) against {@code peakFlops}. Then, when
     * {@code profiledSteps > 0}, so many more steps with every launch timed ({@link LaunchProfile}).
     */
    public Timing time(String name, ModelConfig cfg, Precision precision, CudaTransformerLm.Attention attention, int B,
                       int T, int steps, double peakFlops, long seed, int profiledSteps) throws CudaUnavailableException {
        int threads = Runtime.getRuntime().availableProcessors();
        TransformerLm student = (TransformerLm) HfCheckpoints.create(cfg, seed, threads);
        int V = cfg.vocabSize();
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[B * T];
        int[] positions = new int[B * T];
        byte[] spans = new byte[B * T];
        for (int n = 0; n < B * T; n++) {
            tokens[n] = random.nextInt(V);
            positions[n] = n % T;
            spans[n] = (byte) ((n / 7) % SpanType.COUNT);
        }
        TrainingData data = new TrainingData(tokens, spans, positions, B, T, "random tokens");
        int[] rows = new int[B];
        Arrays.setAll(rows, i -> i);
        BatchLabels part = new BatchLabels(data, rows);
        long[] pos = new long[SpanType.COUNT];
        long[] sup = new long[SpanType.COUNT];
        part.addCounts(pos, sup);
        SpanCounts counts = new SpanCounts(pos, sup);
        LossConfig config = LossConfig.of(Preset.SFT);
        double[] ms = new double[steps];
        double[] phases;
        LaunchTotals launches = null;
        double profiledMs = 0;
        try (CudaTraining gpu = new CudaTraining(student, null, V, precision, CudaTraining.DEFAULT_CHUNK_ROWS, 0,
                attention)) {
            for (int s = -2; s < steps; s++) {
                double millis = timedStep(gpu, part, B, T, config, counts, s + 3);
                if (s >= 0) {
                    ms[s] = millis;
                }
            }
            // one more step with a synchronisation between phases: where the time goes
            double[] phase = new double[4];
            gpu.timePhases(phase);
            gpu.zeroGrad();
            gpu.part(part, B, T, null, config, counts);
            gpu.timePhases(null);
            cuCtxSynchronize();
            long t0 = System.nanoTime();
            clipAndStep(gpu, steps + 3);
            phase[3] = (System.nanoTime() - t0) / 1e6;
            phases = phase;
            if (profiledSteps > 0) {
                double[] wall = new double[profiledSteps];
                try (LaunchProfile profile = new LaunchProfile()) {
                    gpu.profile(profile);
                    for (int s = 0; s < profiledSteps; s++) {
                        wall[s] = timedStep(gpu, part, B, T, config, counts, steps + 4 + s);
                        launches = profile.collect();
                    }
                    gpu.profile(null);
                }
                Arrays.sort(wall);
                profiledMs = wall[profiledSteps / 2];
            }
        }
        Arrays.sort(ms);
        double median = ms[steps / 2];
        long params = TransformerLm.parameterCount(cfg);
        double flopsPerToken = 6.0 * params + 12.0 * cfg.numLayers() * cfg.hiddenSize() * T;
        double tokensPerSecond = B * T / (median / 1e3);
        return new Timing(name, precision.key(), attention.name().toLowerCase(Locale.ROOT), B, T, median, tokensPerSecond, flopsPerToken * tokensPerSecond / peakFlops,
                params, phases, launches, profiledSteps, profiledMs);
    }

    /** One full step (zeroed gradients, forward, loss, backward, clip, AdamW update t), synchronised around: ms. */
    private static double timedStep(CudaTraining gpu, BatchLabels part, int B, int T, LossConfig config,
                                    SpanCounts counts, long t) {
        cuCtxSynchronize();
        long t0 = System.nanoTime();
        gpu.zeroGrad();
        gpu.part(part, B, T, null, config, counts);
        clipAndStep(gpu, t);
        cuCtxSynchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The timing runs' clip (max norm 1) and AdamW update t (lr 3e-4, weight decay 0.1). */
    private static void clipAndStep(CudaTraining gpu, long t) {
        double norm = Math.sqrt(gpu.gradientNormSquared());
        gpu.adamw(t, 3e-4, 0.1, norm > 1.0, norm > 1.0 ? (float) (1.0 / (norm + 1e-6)) : 1f);
    }

    // ------------------------------------------------------------------ helpers

    private void report(String what, double err, double tol) {
        checks++;
        boolean pass = err <= tol; // NaN fails
        if (!pass) {
            failures++;
        }
        out.printf(Locale.ROOT, "check %s err=%.3e tol=%.0e %s%n", what, err, tol, pass ? "PASS" : "FAIL");
    }

    static double relative(double[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static double relative(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = (double) got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
