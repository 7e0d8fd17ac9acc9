package io.distillab.cli.loss;

import io.distillab.cli.ExitCodes;
import io.distillab.training.cuda.CudaBandwidth;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.loss.CpuSpanMaskedLoss;
import io.distillab.training.loss.CudaSpanMaskedLoss;
import io.distillab.training.loss.Logits;
import io.distillab.training.loss.LossComparison;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.LossTraffic;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.RandomLossInputs;
import io.distillab.training.loss.SpanType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench loss}: times the span-masked loss with its gradient on random inputs
 * (every row under both KL and CE with the kd preset, so a float32 element moves 12 bytes: z and
 * u read, the gradient written) and reports the achieved bandwidth against the measured ceiling
 * of the same run: on the CPU, a multi-threaded array copy; on the GPU, a device-to-device copy.
 * {@code --check} first compares the GPU's loss and gradient (outputs poisoned with NaN) with the
 * CPU's exact result on the same inputs.
 */
@Command(name = "loss", mixinStandardHelpOptions = true,
        description = "Time the span-masked loss + gradient (CPU or CUDA) on random inputs; GB/s against the "
                + "memory bandwidth measured in the same run.")
public final class BenchLossCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--rows", description = "N (default: 8192 on cuda, 64 on cpu).")
    Integer rows;

    @Option(names = "--vocab", split = ",", defaultValue = "151936", description = "V, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] vocabs;

    @Option(names = "--dtype", split = ",", defaultValue = "f32,bf16", description = "f32, bf16 (default: ${DEFAULT-VALUE}).")
    String[] dtypes;

    @Option(names = "--teacher", split = ",", defaultValue = "dense", description = "dense, sparse (default: ${DEFAULT-VALUE}).")
    String[] teachers;

    @Option(names = "--topk", defaultValue = "64", description = "k of a sparse teacher (default: ${DEFAULT-VALUE}).")
    int topk;

    @Option(names = "--preset", defaultValue = "kd", description = "sad, kd, sft (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--spans", defaultValue = "reason,action",
            description = "Span types rows are drawn from (default: ${DEFAULT-VALUE}).")
    String spans;

    @Option(names = "--kernel", split = ",", defaultValue = "auto",
            description = "CUDA kernels to time: auto, streaming, s4o3, s8o3, s8o4 (default: ${DEFAULT-VALUE}).")
    String[] kernels;

    @Option(names = "--check", description = "Compare with the CPU (poisoned outputs, rtol 1e-5) before timing.")
    boolean check;

    @Option(names = "--rtol", defaultValue = "1e-5", description = "Tolerance of --check (default: ${DEFAULT-VALUE}).")
    double rtol;

    @Option(names = "--warmup", description = "Untimed runs first (default: 3 cuda, 1 cpu).")
    Integer warmup;

    @Option(names = "--repeats", description = "Timed runs; the median is reported (default: 25 cuda, 3 cpu).")
    Integer repeats;

    @Option(names = "--threads", description = "CPU threads (default: all processors).")
    Integer threads;

    @Option(names = "--seed", defaultValue = "20261123", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Append one JSON object per measurement to this file.")
    Path json;

    private final List<String> table = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean cuda = device.equalsIgnoreCase("cuda");
        if (!cuda && !device.equalsIgnoreCase("cpu")) {
            spec.commandLine().getErr().println("distillab: error: --device must be cpu or cuda, got '" + device + "'");
            return ExitCodes.BAD_INPUT;
        }
        int n = rows != null ? rows : cuda ? 8192 : 64;
        int cpuThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        LossConfig config = LossConfig.of(Preset.parse(preset));
        SpanType[] spanTypes = Arrays.stream(spans.split(",")).map(s -> SpanType.valueOf(s.trim().toUpperCase(Locale.ROOT)))
                .toArray(SpanType[]::new);
        CpuSpanMaskedLoss cpu = new CpuSpanMaskedLoss(cpuThreads);
        table.add(String.format(Locale.ROOT, "%-5s %-5s %6s %7s %-7s %-13s %10s %10s %9s %7s  %s", "dev", "dtype",
                "N", "V", "teacher", "kernel", "median_ms", "floor_GB", "GB/s", "%ceil", "check"));
        if (cuda) {
            try (CudaSpanMaskedLoss gpu = CudaSpanMaskedLoss.open()) {
                double ceiling = CudaBandwidth.deviceCopy(gpu.gpu(), 4L << 30, 20);
                out.printf(Locale.ROOT, "device: %s, PTX %s (source sha256 %s)%n", gpu.gpu().describe(),
                        gpu.module().ptx().target().suffix(), gpu.module().ptx().sourceSha256());
                out.printf(Locale.ROOT, "ceiling: device-to-device copy %.0f GB/s (read + write, 4 GiB, median of 20)%n",
                        ceiling / 1e9);
                out.flush();
                forEachProblem(n, spanTypes, cpuThreads, (inputs, what) ->
                        benchCuda(out, gpu, cpu, inputs, config, what, ceiling, cpuThreads));
            } catch (CudaUnavailableException e) {
                spec.commandLine().getErr().println("distillab: error: --device cuda: " + e.getMessage());
                return ExitCodes.BAD_INPUT;
            }
        } else {
            double ceiling = MemoryBandwidth.copyBytesPerSecond(cpuThreads, 1L << 30, 5);
            out.printf(Locale.ROOT, "cpu: %d threads of %d processors; ceiling: array copy %.1f GB/s (read + write)%n",
                    cpuThreads, Runtime.getRuntime().availableProcessors(), ceiling / 1e9);
            out.flush();
            forEachProblem(n, spanTypes, cpuThreads, (inputs, what) -> benchCpu(out, cpu, inputs, config, what, ceiling));
        }
        out.println();
        table.forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }

    interface Problem {
        void run(LossInputs inputs, String[] what) throws Exception;
    }

    private void forEachProblem(int n, SpanType[] spanTypes, int cpuThreads, Problem problem) throws Exception {
        long s = seed;
        for (int vocab : vocabs) {
            for (String dtype : dtypes) {
                Logits.Precision precision = switch (dtype.trim().toLowerCase(Locale.ROOT)) {
                    case "f32", "float32" -> Logits.Precision.FLOAT32;
                    case "bf16", "bfloat16" -> Logits.Precision.BFLOAT16;
                    default -> throw new IllegalArgumentException("--dtype: unknown '" + dtype + "' (f32 or bf16)");
                };
                for (String teacher : teachers) {
                    boolean sparse = teacher.trim().equalsIgnoreCase("sparse");
                    RandomLossInputs random = new RandomLossInputs(n, vocab, precision, sparse, topk, 0.1, spanTypes);
                    LossInputs inputs = random.generate(s++, cpuThreads);
                    problem.run(inputs, new String[] {precision.label(), sparse ? "top" + topk : "dense"});
                }
            }
        }
    }

    private void benchCpu(PrintWriter out, CpuSpanMaskedLoss cpu, LossInputs inputs, LossConfig config, String[] what,
                          double ceiling) throws IOException {
        int w = warmup != null ? warmup : 1;
        int r = repeats != null ? repeats : 3;
        for (int i = 0; i < w; i++) {
            cpu.compute(inputs, config, true);
        }
        float[] ms = new float[r];
        for (int i = 0; i < r; i++) {
            long start = System.nanoTime();
            cpu.compute(inputs, config, true);
            ms[i] = (System.nanoTime() - start) / 1e6f;
        }
        Arrays.sort(ms);
        record(out, "cpu", inputs, config, what, "cpu" + cpu.threads() + "t", ms, ceiling, "");
    }

    private void benchCuda(PrintWriter out, CudaSpanMaskedLoss gpu, CpuSpanMaskedLoss cpu, LossInputs inputs,
                           LossConfig config, String[] what, double ceiling, int cpuThreads) throws IOException {
        LossResult reference = check ? cpu.compute(inputs, config, true) : null;
        for (String kernel : kernels) {
            CudaSpanMaskedLoss.Launch launch;
            try {
                launch = gpu.prepare(inputs, config, kernel);
            } catch (IllegalArgumentException e) {
                out.printf(Locale.ROOT, "skip %s %s V=%d kernel %s: %s%n", what[0], what[1], inputs.vocab(), kernel,
                        e.getMessage());
                continue;
            }
            try (launch) {
                String verdict = "";
                if (reference != null) {
                    launch.poison();
                    launch.run();
                    LossComparison.Report report = LossComparison.compare(inputs, config, reference,
                            launch.result(true), rtol, cpuThreads);
                    verdict = report.summary();
                    out.printf(Locale.ROOT, "check %s %s N=%d V=%d %s: %s (loss: cpu %.9g, cuda %.9g)%n", what[0], what[1],
                            inputs.rows(), inputs.vocab(), launch.plan().label(), verdict, reference.loss(),
                            launch.result(false).loss());
                    verdict = report.passed() ? "PASS" : "FAIL";
                }
                float[] ms = launch.time(warmup != null ? warmup : 3, repeats != null ? repeats : 25);
                record(out, "cuda", inputs, config, what, launch.plan().label(), ms, ceiling, verdict);
            }
        }
    }

    private void record(PrintWriter out, String dev, LossInputs inputs, LossConfig config, String[] what, String kernel,
                        float[] sortedMs, double ceiling, String verdict) throws IOException {
        double median = median(sortedMs);
        long floor = LossTraffic.floorBytes(inputs, config);
        double bandwidth = floor / (median * 1e-3);
        String row = String.format(Locale.ROOT, "%-5s %-5s %6d %7d %-7s %-13s %10.3f %10.3f %9.1f %6.1f%%  %s", dev,
                what[0], inputs.rows(), inputs.vocab(), what[1], kernel, median, floor / 1e9, bandwidth / 1e9,
                100 * bandwidth / ceiling, verdict);
        table.add(row);
        out.println(row + String.format(Locale.ROOT, "   (min %.3f ms, max %.3f ms, %d runs)", sortedMs[0],
                sortedMs[sortedMs.length - 1], sortedMs.length));
        out.flush();
        if (json != null) {
            String line = String.format(Locale.ROOT,
                    "{\"device\": \"%s\", \"dtype\": \"%s\", \"rows\": %d, \"vocab\": %d, \"teacher\": \"%s\", "
                            + "\"config\": \"%s\", \"kernel\": \"%s\", \"median_ms\": %.5f, \"min_ms\": %.5f, "
                            + "\"floor_bytes\": %d, \"gbps\": %.2f, \"ceiling_gbps\": %.2f, \"check\": \"%s\"}%n",
                    dev, what[0], inputs.rows(), inputs.vocab(), what[1], config, kernel, median, sortedMs[0], floor,
                    bandwidth / 1e9, ceiling / 1e9, verdict);
            Files.writeString(json, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static double median(float[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
