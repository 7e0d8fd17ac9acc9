package io.distillab.cli.bench;

import io.distillab.cli.ExitCodes;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.Matmul;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Parameter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench train}: tokens/s and peak memory of full training steps (forward,
 * cross-entropy gradient, backward, global-norm clipping and an AdamW update with SPEC 8's
 * formula) on random weights and tokens, for the GPT-2 124M configuration and a Qwen3-0.6B-shaped
 * one; the sgemm rate of the same run as the ceiling; and, given a build of karpathy/llm.c's
 * train_gpt2.c, llm.c's own step time on the same GPT-2 weights and batch shape, in the same run.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time full CPU training steps (GPT-2 124M, Qwen3-0.6B shape) against the sgemm rate and llm.c.")
public final class BenchTrainCommand implements Callable<Integer> {
    static final String GPT2_124M = """
            {"model_type":"gpt2","vocab_size":50257,"n_embd":768,"n_layer":12,"n_head":12,"n_positions":1024}""";
    static final String QWEN3_06B = """
            {"model_type":"qwen3","vocab_size":151936,"hidden_size":1024,"intermediate_size":3072,"num_hidden_layers":28,
             "num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,"max_position_embeddings":40960,
             "rms_norm_eps":1e-6,"rope_theta":1000000.0,"tie_word_embeddings":true}""";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", split = ",", defaultValue = "gpt2,qwen3",
            description = "gpt2 (124M), qwen3 (0.6B shape), comma-separated (default: ${DEFAULT-VALUE}).")
    String[] models;

    @Option(names = "--batch-size", defaultValue = "4", description = "B (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", defaultValue = "64", description = "T (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--steps", defaultValue = "4", description = "Timed steps after one warm-up step (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--blas-threads", description = "OpenBLAS's threads (default: --threads). On a machine loaded by other "
            + "work, 1 avoids OpenBLAS's threads waiting on each other.")
    Integer blasThreads;

    @Option(names = "--llmc", description = "A train_gpt2 binary built from karpathy/llm.c (see docs/performance.md); "
            + "run on the same GPT-2 weights and batch shape (B=4, T=64 are fixed in its main).")
    Path llmc;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || seqLen < 2 || steps < 1) {
            spec.commandLine().getErr().println("distillab bench train: --batch-size, --seq-len and --steps must be positive (--seq-len at least 2)");
            return ExitCodes.BAD_INPUT;
        }
        if (llmc != null && !Files.isExecutable(llmc)) {
            spec.commandLine().getErr().println("distillab bench train: --llmc " + llmc + " is not an executable file");
            return ExitCodes.BAD_INPUT;
        }
        for (String m : models) {
            if (!m.equals("gpt2") && !m.equals("qwen3")) {
                spec.commandLine().getErr().println("distillab bench train: --model " + m + " is not gpt2 or qwen3");
                return ExitCodes.BAD_INPUT;
            }
        }
        var out = spec.commandLine().getOut();
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        out.printf(Locale.ROOT, "machine: %d cores, load %s, matmul %s, OPENBLAS_CORETYPE=%s, java %s%n", n, loadAverage(),
                Matmul.backend(), System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"), System.getProperty("java.version"));
        int blas = blasThreads == null ? n : blasThreads;
        double sgemm = sgemmRate(n, blas);
        out.printf(Locale.ROOT, "sgemm 1024x1024x1024 on %d BLAS threads: %.1f GFLOP/s (best of 10)%n", blas, sgemm / 1e9);

        for (String m : models) {
            ModelConfig cfg = ModelConfig.parse(m.equals("gpt2") ? GPT2_124M : QWEN3_06B, m);
            resetHeapPeaks();
            CausalLm model = HfCheckpoints.create(cfg, 1, n);
            Matmul.setThreads(blas);
            StepResult r = timeSteps(model, n);
            long params = 0, matmulParams = 0;
            for (Parameter p : model.parameters()) {
                params += p.size();
                if (p.shape().length == 2 && !p.name().endsWith("wpe.weight")) {
                    matmulParams += p.size(); // the tied embedding counts once: as the lm head's matmul
                }
            }
            if (!cfg.tieWordEmbeddings()) {
                matmulParams -= (long) cfg.vocabSize() * cfg.hiddenSize(); // untied embed_tokens is a lookup
            }
            double flopsPerToken = 6.0 * matmulParams + 12.0 * cfg.numLayers() * cfg.numHeads() * cfg.headDim() * seqLen;
            double tokensPerS = batch * seqLen / r.secondsPerStep;
            double achieved = flopsPerToken * tokensPerS;
            long stateBytes = 3L * 4 * params; // parameters + AdamW's m and v
            long heapPeak = heapPeakUsed();
            out.printf(Locale.ROOT, "%s: %,d parameters, B=%d T=%d: %.3f s/step (median of %d), %.1f tokens/s, %.1f GFLOP/s = %.0f%% of sgemm; "
                            + "loss %.3f -> %.3f%n", m, params, batch, seqLen, r.secondsPerStep, steps, tokensPerS, achieved / 1e9,
                    100 * achieved / sgemm, r.firstLoss, r.lastLoss);
            out.printf(Locale.ROOT, "%s: median step parts: forward %.3f s, loss gradient %.3f s, backward %.3f s, clip + AdamW %.3f s%n",
                    m, r.parts[0], r.parts[1], r.parts[2], r.parts[3]);
            out.printf(Locale.ROOT, "%s: peak heap used %.2f GB, process peak RSS so far %.2f GB; params + AdamW states %.2f GB "
                            + "(ratio heap/states %.2f, RSS/states %.2f)%n", m, heapPeak / 1e9, peakRss() / 1e9, stateBytes / 1e9,
                    (double) heapPeak / stateBytes, (double) peakRss() / stateBytes);
            if (m.equals("gpt2") && llmc != null) {
                if (batch != 4 || seqLen != 64) {
                    out.println("llm.c: skipped (its main fixes B=4, T=64)");
                } else {
                    LlmcResult c = runLlmc(model, n);
                    out.printf(Locale.ROOT, "llm.c train_gpt2: %.3f s/step (median of %d), %.1f tokens/s, %.1f GFLOP/s, peak RSS %.2f GB; "
                                    + "ours/llm.c tokens/s = %.2fx%n", c.secondsPerStep, c.steps, batch * seqLen / c.secondsPerStep,
                            flopsPerToken * batch * seqLen / c.secondsPerStep / 1e9, c.peakRss / 1e9, c.secondsPerStep / r.secondsPerStep);
                }
            }
            model = null;
            System.gc();
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------ our training step
    record StepResult(double secondsPerStep, double firstLoss, double lastLoss, double[] parts) {
    }

    private StepResult timeSteps(CausalLm model, int n) {
        int V = model.config().vocabSize(), N = batch * seqLen;
        SplittableRandom rnd = new SplittableRandom(7);
        int[] tokens = new int[N], positions = new int[N], targets = new int[N];
        for (int i = 0; i < N; i++) {
            tokens[i] = rnd.nextInt(V);
            positions[i] = i % seqLen;
        }
        for (int i = 0; i < N; i++) {
            targets[i] = (i + 1) % seqLen == 0 ? -1 : tokens[i + 1];
        }
        List<Parameter> params = model.trainableParameters();
        AdamW opt = new AdamW(params);
        float[] dLogits = new float[N * V];
        double[] times = new double[steps];
        double[][] parts = new double[4][steps];
        double first = 0, last = 0;
        for (int s = 0; s <= steps; s++) {
            long t0 = System.nanoTime();
            float[] logits = model.forward(tokens, positions, batch, seqLen, true);
            long tf = System.nanoTime();
            double loss = crossEntropyGradient(logits, targets, dLogits, V, n);
            long tl = System.nanoTime();
            model.zeroGrad();
            model.backward(dLogits);
            long tb = System.nanoTime();
            opt.step(3e-4f, 1.0f);
            long t1 = System.nanoTime();
            if (s > 0) {
                times[s - 1] = (t1 - t0) / 1e9;
                parts[0][s - 1] = (tf - t0) / 1e9;
                parts[1][s - 1] = (tl - tf) / 1e9;
                parts[2][s - 1] = (tb - tl) / 1e9;
                parts[3][s - 1] = (t1 - tb) / 1e9;
            }
            if (s == 0) {
                first = loss;
            }
            last = loss;
        }
        Arrays.sort(times);
        double[] medians = new double[4];
        for (int k = 0; k < 4; k++) {
            Arrays.sort(parts[k]);
            medians[k] = parts[k][steps / 2];
        }
        return new StepResult(times[steps / 2], first, last, medians);
    }

    /** Mean next-token cross-entropy and its gradient (softmax - onehot) / count, rows in parallel. */
    static double crossEntropyGradient(float[] logits, int[] targets, float[] dLogits, int V, int threads) {
        int N = targets.length;
        long count = Arrays.stream(targets).filter(t -> t >= 0).count();
        double[] rowLoss = new double[N];
        IntStream.range(0, N).parallel().forEach(r -> {
            int o = r * V;
            if (targets[r] < 0) {
                Arrays.fill(dLogits, o, o + V, 0f);
                return;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) {
                max = Math.max(max, logits[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < V; j++) {
                sum += Math.exp(logits[o + j] - max);
            }
            double logSum = Math.log(sum) + max;
            for (int j = 0; j < V; j++) {
                dLogits[o + j] = (float) (Math.exp(logits[o + j] - logSum) / count);
            }
            dLogits[o + targets[r]] -= (float) (1.0 / count);
            rowLoss[r] = logSum - logits[o + targets[r]];
        });
        return Arrays.stream(rowLoss).sum() / count;
    }

    /**
     * SPEC 8's update, written out here so the benchmark times a full step on its own:
     * global-norm clipping, then AdamW (decoupled decay 0.1 on tensors of 2+ dimensions).
     */
    static final class AdamW {
        private final List<Parameter> params;
        private final List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
        private int t;

        AdamW(List<Parameter> params) {
            this.params = params;
            for (Parameter p : params) {
                m.add(new float[p.size()]);
                v.add(new float[p.size()]);
            }
        }

        void step(float lr, float clip) {
            t++;
            double norm2 = 0;
            for (Parameter p : params) {
                float[] g = p.grad();
                norm2 += IntStream.range(0, (g.length + 65535) / 65536).parallel().mapToDouble(c -> {
                    double s = 0;
                    for (int i = c * 65536; i < Math.min(g.length, (c + 1) * 65536); i++) {
                        s += (double) g[i] * g[i];
                    }
                    return s;
                }).sum();
            }
            double norm = Math.sqrt(norm2);
            float scale = norm > clip ? (float) (clip / (norm + 1e-6)) : 1f;
            float b1 = 0.9f, b2 = 0.95f, eps = 1e-8f;
            float c1 = (float) (1 - Math.pow(b1, t)), c2 = (float) (1 - Math.pow(b2, t));
            for (int k = 0; k < params.size(); k++) {
                Parameter p = params.get(k);
                float[] w = p.data(), g = p.grad(), mk = m.get(k), vk = v.get(k);
                float decay = p.decays() ? 1f - lr * 0.1f : 1f;
                IntStream.range(0, (w.length + 65535) / 65536).parallel().forEach(c -> {
                    for (int i = c * 65536; i < Math.min(w.length, (c + 1) * 65536); i++) {
                        float gi = g[i] * scale;
                        mk[i] = b1 * mk[i] + (1 - b1) * gi;
                        vk[i] = b2 * vk[i] + (1 - b2) * gi * gi;
                        w[i] = w[i] * decay - lr * (mk[i] / c1) / ((float) Math.sqrt(vk[i] / c2) + eps);
                    }
                });
            }
        }
    }

    // ------------------------------------------------------------------ ceilings and llm.c
    private static double sgemmRate(int threads, int blasThreads) {
        Matmul.setThreads(blasThreads);
        int s = 1024;
        float[] a = new float[s * s], b = new float[s * s], c = new float[s * s];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble();
            b[i] = (float) rnd.nextDouble();
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 10; r++) {
            long t0 = System.nanoTime();
            Matmul.multiply(threads, false, false, s, s, s, a, b, 0f, c);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * s * s * s / best;
    }

    record LlmcResult(double secondsPerStep, int steps, long peakRss) {
    }

    /**
     * Writes our GPT-2's weights in llm.c's checkpoint format (a 256-int header: magic 20240326,
     * version 3, maxT, V, L, NH, C, padded V; then every tensor, Conv1D weights transposed to
     * llm.c's [out, in], the vocabulary padded to a multiple of 128) and random tokens in its data
     * format (256-int header: magic 20240520, version 1, count; uint16 tokens), then runs the
     * binary in that folder and reads its "took X ms" lines (the first step is the warm-up).
     */
    private LlmcResult runLlmc(CausalLm model, int threads) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("distillab-llmc");
        try {
            writeLlmcCheckpoint(model, dir.resolve("gpt2_124M.bin"));
            Path data = Files.createDirectories(dir.resolve("dev/data/tinyshakespeare"));
            writeLlmcTokens(data.resolve("tiny_shakespeare_train.bin"), model.config().vocabSize());
            writeLlmcTokens(data.resolve("tiny_shakespeare_val.bin"), model.config().vocabSize());
            ProcessBuilder pb = new ProcessBuilder(llmc.toAbsolutePath().toString()).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
            Process proc = pb.start();
            long[] peak = {0};
            Thread watcher = new Thread(() -> {
                while (proc.isAlive()) {
                    peak[0] = Math.max(peak[0], vmHwm(Path.of("/proc/" + proc.pid() + "/status")));
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            watcher.setDaemon(true);
            watcher.start();
            List<Double> times = new ArrayList<>();
            Pattern took = Pattern.compile("step (\\d+): train loss \\S+ \\(took ([0-9.]+) ms\\)");
            StringBuilder log = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.append(line).append('\n');
                    Matcher mt = took.matcher(line);
                    if (mt.find() && Integer.parseInt(mt.group(1)) > 0) {
                        times.add(Double.parseDouble(mt.group(2)) / 1e3);
                    }
                }
            }
            int rc = proc.waitFor();
            watcher.interrupt();
            if (rc != 0 || times.isEmpty()) {
                throw new IOException("llm.c exited with " + rc + ":\n" + log);
            }
            times.sort(null);
            return new LlmcResult(times.get(times.size() / 2), times.size(), peak[0]);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void writeLlmcCheckpoint(CausalLm model, Path file) throws IOException {
        ModelConfig cfg = model.config();
        int V = cfg.vocabSize(), C = cfg.hiddenSize(), L = cfg.numLayers(), maxT = cfg.maxPositions();
        int Vp = (V + 127) / 128 * 128;
        Map<String, float[]> byName = new java.util.HashMap<>();
        Map<String, int[]> shapes = new java.util.HashMap<>();
        for (Parameter p : model.parameters()) {
            byName.put(p.name(), p.data());
            shapes.put(p.name(), p.shape());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(256 * 4).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(20240326).putInt(3).putInt(maxT).putInt(V).putInt(L).putInt(cfg.numHeads()).putInt(C).putInt(Vp);
            header.position(0);
            write(ch, header);
            float[] wte = Arrays.copyOf(byName.get("transformer.wte.weight"), Vp * C);
            writeFloats(ch, wte);
            writeFloats(ch, byName.get("transformer.wpe.weight"));
            String[][] order = {{"ln_1.weight", ""}, {"ln_1.bias", ""}, {"attn.c_attn.weight", "T"}, {"attn.c_attn.bias", ""},
                    {"attn.c_proj.weight", "T"}, {"attn.c_proj.bias", ""}, {"ln_2.weight", ""}, {"ln_2.bias", ""},
                    {"mlp.c_fc.weight", "T"}, {"mlp.c_fc.bias", ""}, {"mlp.c_proj.weight", "T"}, {"mlp.c_proj.bias", ""}};
            for (String[] o : order) {
                for (int l = 0; l < L; l++) {
                    String name = "transformer.h." + l + "." + o[0];
                    float[] d = byName.get(name);
                    if (o[1].equals("T")) {
                        int in = shapes.get(name)[0], out = shapes.get(name)[1];
                        float[] t = new float[d.length];
                        for (int i = 0; i < in; i++) {
                            for (int j = 0; j < out; j++) {
                                t[j * in + i] = d[i * out + j];
                            }
                        }
                        d = t;
                    }
                    writeFloats(ch, d);
                }
            }
            writeFloats(ch, byName.get("transformer.ln_f.weight"));
            writeFloats(ch, byName.get("transformer.ln_f.bias"));
        }
    }

    private void writeLlmcTokens(Path file, int V) throws IOException {
        int count = batch * seqLen * 20 + 1;
        ByteBuffer buf = ByteBuffer.allocate(256 * 4 + 2 * count).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(20240520).putInt(1).putInt(count);
        buf.position(256 * 4);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < count; i++) {
            buf.putShort((short) rnd.nextInt(V));
        }
        buf.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, buf);
        }
    }

    private static void writeFloats(FileChannel ch, float[] d) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < d.length; ) {
            buf.clear();
            int count = Math.min(d.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(d, i, count);
            buf.limit(count * 4);
            write(ch, buf);
            i += count;
        }
    }

    private static void write(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ------------------------------------------------------------------ memory and load
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void resetHeapPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound of the live peak). */
    private static long heapPeakUsed() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private static long peakRss() {
        return vmHwm(Path.of("/proc/self/status"));
    }

    private static long vmHwm(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
