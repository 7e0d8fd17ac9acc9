package io.distillab.cli.bench;

import io.distillab.cli.ExitCodes;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.model.CudaTransformerLm;
import io.distillab.training.model.FlashAttentionCheck;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Precision;
import io.distillab.training.train.CudaTrainingCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench gpu-train}: the GPU training step checked against the CPU engine
 * ({@code --check}: every family, precision and chunking; ten steps against the CPU; resume) and
 * timed ({@code --time}: GPT-2 124M and a Qwen3-0.6B-shaped model, tokens/s and MFU). Run on a
 * GPU machine by training-engine/gpu/train-check.sh; without a GPU it says so and exits 2.
 */
@Command(name = "gpu-train", mixinStandardHelpOptions = true,
        description = "Check the GPU training step against the CPU engine, and time it (tokens/s, MFU).")
public final class BenchGpuTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--check", description = "Compare GPU and CPU steps (tiny models of every family).")
    boolean check;

    @Option(names = "--runs", description = "With --check: ten-step runs CPU against GPU, and GPU resume.")
    boolean runs;

    @Option(names = "--time", description = "Time full steps of GPT-2 124M and the Qwen3-0.6B shape.")
    boolean time;

    @Option(names = "--model", split = ",", defaultValue = "gpt2,qwen3",
            description = "Timed models: gpt2, qwen3 (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--precision", split = ",", defaultValue = "bf16",
            description = "Timed precisions: fp32, tf32, bf16 (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--attention", split = ",", defaultValue = "flash,materialized",
            description = "Attention kernels checked and timed: flash, materialized (default: ${DEFAULT-VALUE}).")
    List<String> attentions;

    @Option(names = "--flash-check", description = "Check and time flash_attention.cu's kernels alone (FlashAttentionCheck).")
    boolean flashCheck;

    @Option(names = "--batch-size", split = ",", defaultValue = "16", description = "Timed B values (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seq-len", defaultValue = "1024", description = "Timed T (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps after two warm-up steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--peak-tflops", defaultValue = "989.5",
            description = "Dense bf16 peak for MFU, TFLOP/s (default: ${DEFAULT-VALUE}, H100/H200 SXM; tf32 and fp32 use half).")
    double peakTflops;

    @Option(names = "--work", description = "Folder for the runs' checkpoints (default: a temporary folder).")
    Path work;

    @Option(names = "--profile", paramLabel = "STEPS", defaultValue = "0",
            description = "With --time: so many more steps with every kernel and product timed by CUDA events; "
                    + "prints device milliseconds per step by launch name (default: none).")
    int profileSteps;

    @Option(names = "--json", description = "Append one JSON line per timed configuration to this file.")
    Path json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (profileSteps < 0) {
            spec.commandLine().getErr().println("distillab: error: --profile: must be 0 or more, not " + profileSteps);
            return ExitCodes.BAD_INPUT;
        }
        if (!check && !time && !flashCheck) {
            spec.commandLine().getErr().println("distillab: error: give --check, --time, --flash-check or several");
            return ExitCodes.BAD_INPUT;
        }
        List<CudaTransformerLm.Attention> modes = new ArrayList<>();
        for (String a : attentions) {
            switch (a.trim().toLowerCase(Locale.ROOT)) {
                case "flash" -> modes.add(CudaTransformerLm.Attention.FLASH);
                case "materialized" -> modes.add(CudaTransformerLm.Attention.MATERIALIZED);
                default -> {
                    spec.commandLine().getErr().println("distillab: error: --attention: unknown attention '" + a
                            + "' (flash, materialized)");
                    return ExitCodes.BAD_INPUT;
                }
            }
        }
        List<Precision> timed = new ArrayList<>();
        try {
            for (String p : precisions) {
                timed.add(Precision.parse(p));
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("distillab: error: --precision: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        for (String m : models) {
            if (!m.equals("gpt2") && !m.equals("qwen3")) {
                spec.commandLine().getErr().println("distillab: error: --model: unknown model '" + m + "' (gpt2, qwen3)");
                return ExitCodes.BAD_INPUT;
            }
        }
        java.io.PrintStream stream = new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void flush() {
                out.flush();
            }
        }, true);
        CudaTrainingCheck c = new CudaTrainingCheck(stream);
        int flashFailures = 0;
        try {
            if (flashCheck) {
                flashFailures = FlashAttentionCheck.run(stream);
                out.printf(Locale.ROOT, "flash check failures: %d%n", flashFailures);
            }
            if (check) {
                long seed = 11;
                for (String[] family : CudaTrainingCheck.tinyFamilies()) {
                    ModelConfig cfg = ModelConfig.parse(family[1], family[0]);
                    for (CudaTransformerLm.Attention a : modes) {
                        for (Precision p : Precision.values()) {
                            c.checkStep(family[0], cfg, p, a, 3, 20, "dense", 7, seed++);
                        }
                        c.checkStep(family[0], cfg, Precision.FP32, a, 2, 33, "none", 4096, seed++);
                        c.checkStep(family[0], cfg, Precision.BF16, a, 2, 25, "sparse", 9, seed++);
                    }
                    stream.flush();
                }
                if (runs) {
                    Path dir = work != null ? work : Files.createTempDirectory("distillab-gpu-check");
                    String[] gpt2 = CudaTrainingCheck.tinyFamilies().get(0);
                    String[] qwen3 = CudaTrainingCheck.tinyFamilies().get(3);
                    c.checkRuns(gpt2[0], gpt2[1], dir, 5);
                    c.checkRuns(qwen3[0], qwen3[1], dir, 6);
                }
                out.printf(Locale.ROOT, "checks: %d, failed: %d%n", c.checks(), c.failures());
            }
            if (time) {
                for (String m : models) {
                    ModelConfig cfg = ModelConfig.parse(m.equals("gpt2") ? BenchTrainCommand.GPT2_124M
                            : BenchTrainCommand.QWEN3_06B, m);
                    for (Precision p : timed) {
                        for (CudaTransformerLm.Attention a : modes) {
                        for (int b : batches) {
                            double peak = peakTflops * 1e12 * (p == Precision.BF16 ? 1 : 0.5);
                            CudaTrainingCheck.Timing t = c.time(m, cfg, p, a, b, seqLen, steps, peak, 42, profileSteps);
                            String line = String.format(Locale.ROOT,
                                    "{\"impl\":\"distillab\",\"model\":\"%s\",\"precision\":\"%s\",\"attention\":\"%s\","
                                            + "\"B\":%d,\"T\":%d,"
                                            + "\"ms_per_step\":%.2f,\"tokens_per_s\":%.0f,\"mfu\":%.4f,\"parameters\":%d,"
                                    + "\"phases_ms\":{\"forward\":%.2f,\"loss\":%.2f,\"backward\":%.2f,\"optimizer\":%.2f}}",
                                    t.model(), t.precision(), t.attention(), t.B(), t.T(), t.msPerStep(), t.tokensPerSecond(), t.mfu(),
                                    t.parameters(), t.phaseMillis()[0], t.phaseMillis()[1], t.phaseMillis()[2],
                                    t.phaseMillis()[3]);
                            out.println("time " + line);
                            if (t.launches() != null) {
                                out.printf(Locale.ROOT, "profile of %s %s %s B=%d T=%d: device busy %.2f ms of a "
                                                + "profiled step's %.2f ms wall (%.0f launches a step; unprofiled step %.2f ms)%n%s",
                                        t.model(), t.precision(), t.attention(), t.B(), t.T(),
                                        t.launches().millis() / t.profiledSteps(), t.profiledMsPerStep(),
                                        (double) t.launches().launches() / t.profiledSteps(), t.msPerStep(),
                                        t.launches().table(t.profiledSteps(), 30));
                            }
                            out.flush();
                            if (json != null) {
                                Files.writeString(json, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                            }
                        }
                        }
                    }
                }
            }
        } catch (CudaUnavailableException e) {
            spec.commandLine().getErr().println("distillab: error: --device cuda: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        return c.failures() == 0 && flashFailures == 0 ? ExitCodes.OK : ExitCodes.INTERNAL;
    }
}
